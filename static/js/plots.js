// Draws the plots of the problem page (templates/practice/_plots.html) from the data the engine
// computed on the server (null where a value was cut). The data comes inline with the page
// (#plot-data, a JSON block: no second request), and from plot.json after each graded answer
// (the result region swapped in without "Grading…").
//
// Everything is drawn at once as SVG by this script, no library: the 2-D slice (or a
// gradient's contour lines and arrows), the derivatives along the slice, and a still picture of
// the 3-D surface (the same grid projected as Plotly's camera sees it, shaded, with the slice
// plane, the slice curve and the point). When all of them are in the page the section gets
// data-plot-visible. Once the section is near the viewport, Plotly's 3-D bundle is fetched
// (a prefetch: downloaded, not run). Only when the student reaches for the surface (the
// picture touched or clicked, or the pointer resting on it) is the bundle run and the
// rotatable WebGL surface drawn over the picture; then the section gets data-plot-drawn.
// Running the bundle is one long task (0.3-2 s of the page's only thread: more on a phone,
// 2 s with software GL); run on sight, it came while the student typed the first answer,
// holding its preview back by as much. bench/page_load.py times both.
(function () {
  "use strict";
  var section = document.getElementById("plots");
  if (!section) return;
  var SVG = "http://www.w3.org/2000/svg";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["toImage"] };
  var COLORS = { slice: "#1f4e9e", point: "#111", yours: "#d9480f", keys: "#2b8a3e", differ: "#c92a2a" };
  // Plotly's "Viridis", for the surface and the contour lines
  var VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37]];

  function t(name) { return section.getAttribute("data-t-" + name) || ""; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }
  function num(v) { return v === null || v === undefined ? "–" : String(Math.round(v * 1000) / 1000); }
  function pointText(data) {
    return data.variables.map(function (v) { return v + " = " + num(data.point[v]); }).join(", ");
  }
  function fixedText(data) {
    return Object.keys(data.fixed).map(function (v) { return v + " = " + num(data.fixed[v]); }).join(", ");
  }
  function compact() { return window.matchMedia("(max-width: 640px)").matches; }
  function finite(v) { return v !== null && v !== undefined && isFinite(v); }

  // ------------------------------------------------------------------ SVG helpers
  function node(name, attrs, parent) {
    var e = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(e);
    return e;
  }
  function text(parent, x, y, content, attrs) {
    var e = node("text", Object.assign({ x: r1(x), y: r1(y), "font-size": 12, fill: "#333" }, attrs || {}), parent);
    e.textContent = content;
    return e;
  }
  function r1(v) { return Math.round(v * 10) / 10; }
  function viridis(u) {
    u = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1);
    var i = Math.min(VIRIDIS.length - 2, Math.floor(u)), f = u - i, a = VIRIDIS[i], b = VIRIDIS[i + 1];
    return [0, 1, 2].map(function (k) { return a[k] + (b[k] - a[k]) * f; });
  }
  function rgb(c, light) {
    return "rgb(" + c.map(function (v) { return Math.round(Math.min(255, v * light)); }).join(",") + ")";
  }
  // Round steps (1, 2, 5 times a power of ten) between lo and hi, about `count` of them.
  function ticks(lo, hi, count) {
    var span = hi - lo;
    if (!(span > 0)) return [lo];
    var raw = span / count, mag = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (k) { return k * mag; }).filter(function (s) { return s >= raw; })[0];
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
  function tickText(v) { return String(Math.round(v * 1e6) / 1e6); }
  var clipCount = 0;

  // A 2-D chart in `div`: traces of {name, x, y, color, width, dash, marker, symbol}, lines
  // broken where a value is null. `equal`: the same scale on both axes (contour plots).
  // The traces drawn are kept on the element (plotTraces), as Plotly keeps its `data`.
  function chart(div, traces, xTitle, yTitle, height, equal) {
    var width = Math.max(240, div.clientWidth || 480);
    var xs = [], ys = [];
    traces.forEach(function (tr) {
      tr.x.forEach(function (x, i) { if (finite(x) && finite(tr.y[i])) { xs.push(x); ys.push(tr.y[i]); } });
    });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    if (!(x1 > x0)) { x0 -= 1; x1 += 1; }
    if (!(y1 > y0)) { y0 -= 1; y1 += 1; }
    var pad = (y1 - y0) * 0.06; y0 -= pad; y1 += pad;
    var m = { l: 52, r: 12, t: 10, b: 40 };
    var w = width - m.l - m.r, h = height - m.t - m.b;
    if (equal) {  // one unit is as long on both axes, the plot centred
      var unit = Math.min(w / (x1 - x0), h / (y1 - y0));
      var cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      x0 = cx - w / unit / 2; x1 = cx + w / unit / 2; y0 = cy - h / unit / 2; y1 = cy + h / unit / 2;
    }
    function px(x) { return m.l + (x - x0) / (x1 - x0) * w; }
    function py(y) { return m.t + h - (y - y0) / (y1 - y0) * h; }
    var svg = node("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", height: height,
      class: "plot-svg", "aria-hidden": "true", focusable: "false" });
    var id = "plot-clip-" + (++clipCount);
    node("rect", { x: m.l, y: m.t, width: w, height: h }, node("clipPath", { id: id }, node("defs", {}, svg)));
    node("rect", { x: m.l, y: m.t, width: w, height: h, fill: "#fff", stroke: "#ced4da" }, svg);
    var grid = node("g", { stroke: "#e9ecef", "stroke-width": 1 }, svg);
    ticks(x0, x1, width < 400 ? 4 : 7).forEach(function (v) {
      node("line", { x1: r1(px(v)), x2: r1(px(v)), y1: m.t, y2: m.t + h }, grid);
      text(svg, px(v), m.t + h + 15, tickText(v), { "text-anchor": "middle", "font-size": 11 });
    });
    ticks(y0, y1, 5).forEach(function (v) {
      node("line", { x1: m.l, x2: m.l + w, y1: r1(py(v)), y2: r1(py(v)) }, grid);
      text(svg, m.l - 5, py(v) + 4, tickText(v), { "text-anchor": "end", "font-size": 11 });
    });
    text(svg, m.l + w / 2, height - 4, xTitle, { "text-anchor": "middle" });
    var yt = text(svg, 13, m.t + h / 2, yTitle, { "text-anchor": "middle" });
    yt.setAttribute("transform", "rotate(-90 13 " + r1(m.t + h / 2) + ")");
    var plot = node("g", { "clip-path": "url(#" + id + ")" }, svg);
    traces.forEach(function (tr) {
      var g = node("g", { class: "trace", "data-name": tr.name }, plot);
      if (tr.marker) {
        tr.x.forEach(function (x, i) {
          if (!finite(x) || !finite(tr.y[i])) return;
          var X = px(x), Y = py(tr.y[i]), s = tr.size || 5;
          if (tr.symbol === "x") {
            node("path", { d: "M" + r1(X - s) + " " + r1(Y - s) + "L" + r1(X + s) + " " + r1(Y + s) + "M" + r1(X - s) + " " +
              r1(Y + s) + "L" + r1(X + s) + " " + r1(Y - s), stroke: tr.color, "stroke-width": 2 }, g);
          } else node("circle", { cx: r1(X), cy: r1(Y), r: s, fill: tr.color }, g);
        });
        return;
      }
      var d = "", pen = false;
      tr.x.forEach(function (x, i) {
        if (!finite(x) || !finite(tr.y[i])) { pen = false; return; }
        d += (pen ? "L" : "M") + r1(px(x)) + " " + r1(py(tr.y[i]));
        pen = !tr.segments || !pen;  // segments: pairs of points, each its own line
      });
      if (d) {
        var attrs = { d: d, fill: "none", stroke: tr.color, "stroke-width": tr.width || 2,
          "stroke-linejoin": "round", "stroke-linecap": "round" };
        if (tr.dash) attrs["stroke-dasharray"] = "7 5";
        node("path", attrs, g);
      }
      if (tr.heads) tr.heads.forEach(function (hd) { head(g, px(hd[0]), py(hd[1]), px(hd[2]), py(hd[3]), tr.color); });
    });
    div.textContent = "";
    div.appendChild(svg);
    var named = traces.filter(function (tr) { return tr.name; });
    if (named.length) div.appendChild(legend(named));
    div.plotTraces = traces;
    return svg;
  }
  // an arrowhead at (x2, y2), pointing away from (x1, y1)
  function head(g, x1, y1, x2, y2, color) {
    var dx = x2 - x1, dy = y2 - y1, len = Math.sqrt(dx * dx + dy * dy);
    if (len < 1) return;
    var ux = dx / len, uy = dy / len, s = Math.min(7, len * 0.6);
    var ax = x2 - ux * s - uy * s * 0.5, ay = y2 - uy * s + ux * s * 0.5;
    var bx = x2 - ux * s + uy * s * 0.5, by = y2 - uy * s - ux * s * 0.5;
    node("path", { d: "M" + r1(x2) + " " + r1(y2) + "L" + r1(ax) + " " + r1(ay) + "L" + r1(bx) + " " + r1(by) + "Z", fill: color }, g);
  }
  function legend(traces) {
    var list = document.createElement("ul");
    list.className = "plot-legend";
    traces.forEach(function (tr) {
      var item = document.createElement("li");
      var key = node("svg", { width: 22, height: 10, "aria-hidden": "true" }, item);
      if (tr.marker && tr.symbol === "x") node("path", { d: "M7 1L15 9M7 9L15 1", stroke: tr.color, "stroke-width": 2 }, key);
      else if (tr.marker) node("circle", { cx: 11, cy: 5, r: 4, fill: tr.color }, key);
      else {
        var a = { x1: 1, x2: 21, y1: 5, y2: 5, stroke: tr.color, "stroke-width": Math.min(3, tr.width || 2) };
        if (tr.dash) a["stroke-dasharray"] = "4 3";
        node("line", a, key);
      }
      item.appendChild(document.createTextNode(tr.name));
      list.appendChild(item);
    });
    return list;
  }

  // ------------------------------------------------------------------ the 2-D plots
  // A mixed partial (f_xy) is the slope of f_x along the slice: its graph is f_x's, not f's.
  function innerName(data) { return "f_" + data.inner.wrt.join(""); }
  function sliceTraces(data) {
    var mixed = data.kind === "mixed";
    var curve = data.kind === "curvature";
    var traces = [{ name: mixed ? fill(t("inner"), { name: innerName(data) }) : t("slice"), x: data.slice.t,
      y: mixed ? data.inner.z : data.slice.z, color: COLORS.slice, width: 3 }];
    if (data.answer && data.answer.line) {
      traces.push({ name: t(curve ? "yours-curve" : "yours"), x: data.answer.line.t, y: data.answer.line.z,
        color: COLORS.yours, width: 3, dash: true });
    }
    if (data.key && data.key.line) {
      traces.push({ name: t(curve ? "keys-curve" : "keys"), x: data.key.line.t, y: data.key.line.z,
        color: COLORS.keys, width: 2 });
    }
    traces.push({ name: t("point"), x: [data.point[data.moving]], y: [mixed ? data.inner.z0 : data.z0],
      color: COLORS.point, marker: true, size: 5 });
    return traces;
  }

  function derivativeTraces(data) {
    var traces = [
      { name: t("your-derivative"), x: data.slice.t, y: data.answer.derivative, color: COLORS.yours, width: 3, dash: true },
      { name: t("key-derivative"), x: data.slice.t, y: data.key.derivative, color: COLORS.keys, width: 2 },
    ];
    if (data.differs && data.differs.length) {
      var ys = data.differs.map(function (x) {
        var i = data.slice.t.indexOf(x);
        return i >= 0 ? data.answer.derivative[i] : null;
      });
      traces.push({ name: t("differ"), x: data.differs, y: ys, color: COLORS.differ, marker: true, symbol: "x", size: 4 });
    }
    return traces;
  }

  function arrows(field, color, name) {
    var xs = [], ys = [], heads = [];
    var big = 0;
    field.u.forEach(function (u, i) {
      var v = field.v[i];
      if (u !== null && v !== null) big = Math.max(big, Math.sqrt(u * u + v * v));
    });
    var step = big > 0 ? 0.8 / big : 0;  // the longest arrow is 0.8 of a grid step (6 / 6 = 1)
    field.u.forEach(function (u, i) {
      var v = field.v[i];
      if (u === null || v === null) return;
      var ex = field.x[i] + u * step, ey = field.y[i] + v * step;
      xs.push(field.x[i], ex); ys.push(field.y[i], ey);
      heads.push([field.x[i], field.y[i], ex, ey]);
    });
    return { name: name, x: xs, y: ys, color: color, width: 2, segments: true, heads: heads };
  }

  // Contour lines of z[j][i] on the grid (marching squares), one trace of segments per level.
  function contourTraces(s) {
    var zs = [];
    s.z.forEach(function (row) { row.forEach(function (v) { if (finite(v)) zs.push(v); }); });
    var lo = Math.min.apply(null, zs), hi = Math.max.apply(null, zs), count = 14, out = [];
    for (var k = 1; k < count; k++) {
      var level = lo + (hi - lo) * k / count, xs = [], ys = [];
      for (var j = 0; j + 1 < s.y.length; j++) {
        for (var i = 0; i + 1 < s.x.length; i++) {
          var c = [[s.x[i], s.y[j], s.z[j][i]], [s.x[i + 1], s.y[j], s.z[j][i + 1]],
            [s.x[i + 1], s.y[j + 1], s.z[j + 1][i + 1]], [s.x[i], s.y[j + 1], s.z[j + 1][i]]];
          if (c.some(function (p) { return !finite(p[2]); })) continue;
          var cross = [];
          for (var e = 0; e < 4; e++) {
            var p = c[e], q = c[(e + 1) % 4];
            if ((p[2] < level) !== (q[2] < level)) {
              var f = (level - p[2]) / (q[2] - p[2]);
              cross.push([p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f]);
            }
          }
          for (var n = 0; n + 1 < cross.length; n += 2) {  // 2 crossings, or 4 at a saddle
            xs.push(cross[n][0], cross[n + 1][0]); ys.push(cross[n][1], cross[n + 1][1]);
          }
        }
      }
      if (xs.length) out.push({ name: "", x: xs, y: ys, color: rgb(viridis(k / count), 1), width: 1.5, segments: true });
    }
    if (out.length) out[Math.floor(out.length / 2)].name = t("contours");
    return out;
  }

  function gradientTraces(data) {
    var traces = contourTraces(data.surface);
    if (data.answer && data.answer.u) traces.push(arrows(data.answer, COLORS.yours, t("your-arrows")));
    if (data.key && data.key.u) traces.push(arrows(data.key, COLORS.keys, t("key-arrows")));
    return traces;
  }

  // ------------------------------------------------------------------ the 3-D surface
  var EYE = { x: 1.6, y: -1.6, z: 0.9 };  // Plotly's camera below (scene.camera.eye)
  var ZBOX = 0.75;  // the picture's box is a little lower than wide, as Plotly's looks

  function sliceGeometry(data) {
    var a = data.variables[0], b = data.variables[1];
    var value = data.point[data.moving === a ? b : a];
    var lo = data.slice.t[0], hi = data.slice.t[data.slice.t.length - 1];
    var along = data.slice.t, fixed = along.map(function () { return value; });
    return { value: value, lo: lo, hi: hi, alongX: data.moving === a,
      x: data.moving === a ? along : fixed, y: data.moving === a ? fixed : along, z: data.slice.z };
  }
  function zRange(s) {
    var lo = Infinity, hi = -Infinity;
    s.z.forEach(function (row) { row.forEach(function (v) { if (finite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); } }); });
    return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
  }

  // The still picture: the grid's cells projected with the camera of the Plotly surface (the
  // scene a cube, perspective), painted far to near, shaded by a light at the camera.
  function surfacePicture(div, data, height) {
    var s = data.surface, width = Math.max(240, div.clientWidth || 480);
    var zr = zRange(s), X0 = s.x[0], X1 = s.x[s.x.length - 1], Y0 = s.y[0], Y1 = s.y[s.y.length - 1];
    function nx(x) { return 2 * (x - X0) / (X1 - X0) - 1; }
    function ny(y) { return 2 * (y - Y0) / (Y1 - Y0) - 1; }
    function nz(z) { return 2 * (z - zr[0]) / (zr[1] - zr[0]) - 1; }
    var el = Math.sqrt(EYE.x * EYE.x + EYE.y * EYE.y + EYE.z * EYE.z);
    var e = [EYE.x / el, EYE.y / el, EYE.z / el];
    var right = [-e[1], e[0], 0], rl = Math.sqrt(right[0] * right[0] + right[1] * right[1]);
    right = [right[0] / rl, right[1] / rl, 0];
    var up = [e[1] * right[2] - e[2] * right[1], e[2] * right[0] - e[0] * right[2], e[0] * right[1] - e[1] * right[0]];
    var dist = 2 * el;
    function raw(p) {  // p in the box [-1, 1]^2 x [-Z, Z] -> [u, v, depth (towards the eye)]
      var q = [p[0], p[1], p[2] * ZBOX];
      var depth = q[0] * e[0] + q[1] * e[1] + q[2] * e[2], f = dist / (dist - depth);
      return [f * (q[0] * right[0] + q[1] * right[1] + q[2] * right[2]),
        -f * (q[0] * up[0] + q[1] * up[1] + q[2] * up[2]), depth];
    }
    // the box's corners fitted into the picture, a margin left for the axes' names
    var box8 = [];
    [-1, 1].forEach(function (i) { [-1, 1].forEach(function (j) { [-1, 1].forEach(function (k) { box8.push(raw([i, j, k])); }); }); });
    var u0 = Math.min.apply(null, box8.map(function (p) { return p[0]; })), u1 = Math.max.apply(null, box8.map(function (p) { return p[0]; }));
    var v0 = Math.min.apply(null, box8.map(function (p) { return p[1]; })), v1 = Math.max.apply(null, box8.map(function (p) { return p[1]; }));
    var margin = 34, scale = Math.min((width - 2 * margin) / (u1 - u0), (height - 2 * margin) / (v1 - v0));
    var ox = (width - scale * (u0 + u1)) / 2, oy = (height - scale * (v0 + v1)) / 2;
    function project(p) {
      var q = raw(p);
      return [ox + scale * q[0], oy + scale * q[1], q[2]];
    }
    var svg = node("svg", { viewBox: "0 0 " + width + " " + height, width: "100%", height: height,
      class: "plot-svg plot-preview", "aria-hidden": "true", focusable: "false" });
    // the box's three far faces' edges, and its axes' names and ends
    var corners = [-1, 1];
    var box = node("g", { stroke: "#ced4da", "stroke-width": 1, fill: "none" }, svg);
    corners.forEach(function (u) {
      corners.forEach(function (v) {
        [[[-1, u, v], [1, u, v]], [[u, -1, v], [u, 1, v]], [[u, v, -1], [u, v, 1]]].forEach(function (edge) {
          var p = project(edge[0]), q = project(edge[1]);
          node("line", { x1: r1(p[0]), y1: r1(p[1]), x2: r1(q[0]), y2: r1(q[1]) }, box);
        });
      });
    });
    var a = data.variables[0], b = data.variables[1];
    var labels = [[[0, -1.3, -1], a], [[1.3, 0, -1], b], [[-1.15, -1.15, 0], "z"],
      [[-1, -1.15, -1], tickText(+X0.toPrecision(3))], [[1, -1.15, -1], tickText(+X1.toPrecision(3))],
      [[1.15, -1, -1], tickText(+Y0.toPrecision(3))], [[1.15, 1, -1], tickText(+Y1.toPrecision(3))],
      [[-1.12, -1.12, -1], tickText(+zr[0].toPrecision(2))], [[-1.12, -1.12, 1], tickText(+zr[1].toPrecision(2))]];
    labels.forEach(function (l) {
      var p = project(l[0]);
      text(svg, p[0], p[1] + 4, l[1], { "text-anchor": "middle", "font-size": 11 });
    });
    // cells (and strips of the slice plane) far to near
    var faces = [];
    for (var j = 0; j + 1 < s.y.length; j++) {
      for (var i = 0; i + 1 < s.x.length; i++) {
        var zz = [s.z[j][i], s.z[j][i + 1], s.z[j + 1][i + 1], s.z[j + 1][i]];
        if (!zz.every(finite)) continue;
        var pts = [[nx(s.x[i]), ny(s.y[j]), nz(zz[0])], [nx(s.x[i + 1]), ny(s.y[j]), nz(zz[1])],
          [nx(s.x[i + 1]), ny(s.y[j + 1]), nz(zz[2])], [nx(s.x[i]), ny(s.y[j + 1]), nz(zz[3])]];
        var u1 = [pts[2][0] - pts[0][0], pts[2][1] - pts[0][1], pts[2][2] - pts[0][2]];
        var u2 = [pts[3][0] - pts[1][0], pts[3][1] - pts[1][1], pts[3][2] - pts[1][2]];
        var n = [u1[1] * u2[2] - u1[2] * u2[1], u1[2] * u2[0] - u1[0] * u2[2], u1[0] * u2[1] - u1[1] * u2[0]];
        var nl = Math.sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]) || 1;
        var light = 0.55 + 0.5 * Math.abs((n[0] * e[0] + n[1] * e[1] + n[2] * e[2]) / nl);
        var mean = (zz[0] + zz[1] + zz[2] + zz[3]) / 4;
        faces.push({ pts: pts.map(project), fill: rgb(viridis((mean - zr[0]) / (zr[1] - zr[0])), light) });
      }
    }
    var slice = data.kind !== "gradient" ? sliceGeometry(data) : null;
    if (slice) {
      var strips = 24;
      for (var k = 0; k < strips; k++) {
        var t0 = slice.lo + (slice.hi - slice.lo) * k / strips, t1 = slice.lo + (slice.hi - slice.lo) * (k + 1) / strips;
        var corner = slice.alongX
          ? function (tt, z) { return [nx(tt), ny(slice.value), z]; }
          : function (tt, z) { return [nx(slice.value), ny(tt), z]; };
        faces.push({ pts: [corner(t0, -1), corner(t1, -1), corner(t1, 1), corner(t0, 1)].map(project),
          fill: "#adb5bd", opacity: 0.45, plane: true });
      }
    }
    faces.forEach(function (f) { f.depth = (f.pts[0][2] + f.pts[1][2] + f.pts[2][2] + f.pts[3][2]) / 4; });
    faces.sort(function (p, q) { return p.depth - q.depth; });
    var mesh = node("g", { class: "surface-mesh", "stroke-width": 0.6, "stroke-linejoin": "round" }, svg);
    faces.forEach(function (f) {
      var d = "M" + f.pts.map(function (p) { return r1(p[0]) + " " + r1(p[1]); }).join("L") + "Z";
      var attrs = { d: d, fill: f.fill };
      if (f.plane) { attrs["fill-opacity"] = f.opacity; attrs.stroke = "none"; attrs.class = "slice-plane"; }
      else attrs.stroke = f.fill;
      node("path", attrs, mesh);
    });
    if (slice) {  // the slice curve on the surface, over it
      var d = "", pen = false;
      slice.z.forEach(function (z, i) {
        if (!finite(z) || z < zr[0] || z > zr[1]) { pen = false; return; }
        var p = project([nx(slice.x[i]), ny(slice.y[i]), nz(z)]);
        d += (pen ? "L" : "M") + r1(p[0]) + " " + r1(p[1]);
        pen = true;
      });
      node("path", { d: d, fill: "none", stroke: COLORS.slice, "stroke-width": 4, "stroke-linecap": "round",
        class: "trace", "data-name": t("slice") }, svg);
    }
    if (finite(data.z0)) {
      var p0 = project([nx(data.point[a]), ny(data.point[b]), nz(data.z0)]);
      node("circle", { cx: r1(p0[0]), cy: r1(p0[1]), r: 5, fill: COLORS.point, class: "trace", "data-name": t("point") }, svg);
    }
    return svg;
  }

  function surface3d(data) {
    var s = data.surface;
    var a = data.variables[0], b = data.variables[1];
    var traces = [{ type: "surface", x: s.x, y: s.y, z: s.z, colorscale: "Viridis", opacity: 0.9, showscale: false, name: t("surface") }];
    var zr = zRange(s);
    if (data.kind !== "gradient") {
      var g = sliceGeometry(data);
      var plane = g.alongX
        ? { x: [[g.lo, g.hi], [g.lo, g.hi]], y: [[g.value, g.value], [g.value, g.value]] }
        : { x: [[g.value, g.value], [g.value, g.value]], y: [[g.lo, g.hi], [g.lo, g.hi]] };
      traces.push({ type: "surface", x: plane.x, y: plane.y, z: [[zr[0], zr[0]], [zr[1], zr[1]]], opacity: 0.35,
        showscale: false, colorscale: [[0, "#adb5bd"], [1, "#adb5bd"]], name: t("plane"), hoverinfo: "skip" });
      traces.push({ type: "scatter3d", mode: "lines", name: t("slice"), line: { color: COLORS.slice, width: 6 },
        x: g.x, y: g.y, z: g.z });
    }
    traces.push({ type: "scatter3d", mode: "markers", name: t("point"), marker: { size: 5, color: COLORS.point },
      x: [data.point[a]], y: [data.point[b]], z: [data.z0] });
    var lay = { margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false,
      scene: { xaxis: { title: { text: a } }, yaxis: { title: { text: b } }, zaxis: { title: { text: "z" } },
               camera: { eye: EYE } } };
    return { traces: traces, layout: lay };
  }

  function describe(data) {
    var window_ = "";
    if (data.surface) {
      var s = data.surface;
      window_ = num(s.x[0]) + " ≤ " + data.variables[0] + " ≤ " + num(s.x[s.x.length - 1]) + ", " +
        num(s.y[0]) + " ≤ " + data.variables[1] + " ≤ " + num(s.y[s.y.length - 1]);
    }
    var values = { window: window_, fixed: fixedText(data), point: pointText(data), moving: data.moving };
    var parts = [];
    if (data.kind === "gradient") parts.push(fill(t("desc-surface"), values), t("desc-gradient"));
    else if (data.kind === "mixed") {
      values.name = innerName(data);
      parts.push(fill(t(data.surface ? "desc-mixed" : "desc-only-mixed"), values));
    } else if (data.surface) parts.push(fill(t("desc-slice"), values));
    else parts.push(fill(t("desc-only-slice"), values));
    if (data.answer && data.answer.value !== undefined) {
      var yours = data.attempt === null ? t("desc-practice") : t("desc-yours");  // null: a practice answer
      parts.push(fill(yours, { attempt: data.attempt, value: num(data.answer.value) }));
    }
    if (data.key && data.key.value !== undefined) parts.push(fill(t("desc-keys"), { value: num(data.key.value) }));
    if (data.differs) {
      parts.push(data.differs.length ? fill(t("desc-differ"), { count: data.differs.length }) : t("desc-same"));
    }
    return parts.join(" ");
  }

  // ------------------------------------------------------------------ drawing, then Plotly
  var current = null;  // the data drawn last
  var drawRound = 0;
  var surfaceDiv = document.getElementById("plot-surface");

  function draw(data) {
    var sliceDiv = document.getElementById("plot-slice");
    var derivDiv = document.getElementById("plot-derivatives");
    var height = compact() ? 300 : 380;
    var round = ++drawRound;
    current = data;
    section.removeAttribute("data-plot-visible");
    section.removeAttribute("data-plot-drawn");
    surfaceDiv.parentNode.hidden = !data.surface;
    var both = data.answer && data.answer.derivative && data.key && data.key.derivative;
    derivDiv.parentNode.hidden = !both;
    if (data.kind === "gradient") {
      chart(sliceDiv, gradientTraces(data), data.variables[0], data.variables[1], height, true);
    } else {
      chart(sliceDiv, sliceTraces(data), data.moving, data.kind === "mixed" ? innerName(data) : "z", height);
    }
    if (both) chart(derivDiv, derivativeTraces(data), data.moving, t("derivatives"), height);
    if (data.surface) {
      // the still picture over the Plotly surface (if one is there from an earlier draw, it
      // stays: the surface does not change with an answer)
      if (!surfaceDiv.classList.contains("js-plotly-plot")) {
        surfaceDiv.style.height = height + "px";
        var old = surfaceDiv.querySelector(".plot-preview");
        if (old) old.remove();
        surfaceDiv.appendChild(surfacePicture(surfaceDiv, data, height));
      }
    }
    document.getElementById("plot-description").textContent = describe(data);
    section.setAttribute("data-plot-kind", data.kind);
    section.setAttribute("data-plot-attempt", data.attempt === null ? "" : String(data.attempt));
    window.requestAnimationFrame(function () {
      if (round !== drawRound) return;
      section.setAttribute("data-plot-visible", "");
      // Plotly only after the frame with the pictures: its evaluation is a long task
      window.setTimeout(function () { interactive(round); }, 0);
    });
  }

  // The rotatable surface: Plotly's 3-D bundle, drawn over the picture, which then goes.
  function interactive(round) {
    var data = current;
    if (!data.surface || surfaceDiv.classList.contains("js-plotly-plot")) {
      section.setAttribute("data-plot-drawn", "");
      return;
    }
    plotlyLoaded().then(function () {
      if (round !== drawRound) return null;
      var sur = surface3d(data);
      return Promise.resolve(window.Plotly.react(surfaceDiv, sur.traces, sur.layout, CONFIG)).then(function () {
        var picture = surfaceDiv.querySelector(".plot-preview");
        if (picture) picture.remove();
        if (status.getAttribute("data-showing") === "rotating") say(null);
        if (round === drawRound) section.setAttribute("data-plot-drawn", "");
      });
    }).catch(function () {
      // the picture stays: still the surface, not rotatable
      say("still");
    });
  }

  // The status line under the plots: the message `name` (one of the data-t-* texts, marked in
  // data-showing), or nothing (hidden).
  var status = document.getElementById("plot-status");
  function say(name) {
    status.hidden = !name;
    status.textContent = name ? t(name) : "";
    if (name) status.setAttribute("data-showing", name);
    else status.removeAttribute("data-showing");
  }
  function failed() { say("failed"); }

  // Plotly: fetched ahead when the section comes near the viewport (a prefetch, which runs
  // nothing), then one <script> added once, when the student reaches for the picture: a touch
  // or a click on it (pointerdown), or the pointer resting on it for HOVER_MS (a pointer only
  // passing over it runs nothing). The student waits for the surface only while the bundle runs.
  // A reach that comes before the first drawing has asked for Plotly is kept (`wanted`).
  var HOVER_MS = 250;
  var plotly = null, addPlotly = null, wanted = false;
  function prefetchPlotly() {
    if (window.Plotly || document.getElementById("plotly-prefetch")) return;
    var link = document.createElement("link");
    link.id = "plotly-prefetch";
    link.rel = "prefetch";
    link.as = "script";
    link.href = section.getAttribute("data-plotly");
    document.head.appendChild(link);
  }
  function plotlyLoaded() {
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        var added = false;
        addPlotly = function () {
          if (added) return;
          added = true;
          if (window.Plotly) { resolve(); return; }
          say("rotating");
          var script = document.createElement("script");
          script.src = section.getAttribute("data-plotly");
          script.async = true;
          script.onload = function () { resolve(); };
          script.onerror = reject;
          document.head.appendChild(script);
        };
        if (wanted) { addPlotly(); return; }
        if (!("IntersectionObserver" in window)) { prefetchPlotly(); return; }
        var seen = new IntersectionObserver(function (entries) {
          if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); prefetchPlotly(); }
        }, { rootMargin: "400px 0px" });
        seen.observe(section);
      });
    }
    return plotly;
  }
  function reach() {
    wanted = true;
    if (addPlotly) addPlotly();
  }
  var resting = null;
  surfaceDiv.addEventListener("pointerdown", reach, { passive: true });
  surfaceDiv.addEventListener("mouseenter", function () {
    window.clearTimeout(resting);
    resting = window.setTimeout(reach, HOVER_MS);
  }, { passive: true });
  surfaceDiv.addEventListener("mouseleave", function () { window.clearTimeout(resting); }, { passive: true });

  var latest = 0;  // only the last request's data is drawn
  function show(data) {
    window.partialCreditPlot = data;  // what the page received (read by the browser tests)
    draw(data);
    if (status.getAttribute("data-showing") !== "rotating") say(null);  // else the surface is coming
  }
  function load() {
    var mine = ++latest;
    fetch(section.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) { if (mine === latest) show(data); })
      .catch(function () { if (mine === latest) failed(); });
  }
  // What the plots depend on in the result region (on a multi-part problem, each part's): the
  // answers graded and the keys shown.
  function resultVersion() {
    var regions = document.querySelectorAll("#result, .part-result");
    if (!regions.length) return null;
    var version = "";
    for (var i = 0; i < regions.length; i++) {
      if (regions[i].querySelector("[data-status='grading']")) return null;
      version += regions[i].querySelectorAll(".history tbody tr").length + (regions[i].querySelector(".key") ? "k" : "") + ";";
    }
    return version;
  }
  var drawnFor = null;
  function refresh() {
    var version = resultVersion();
    if (version === null || version === drawnFor) return;
    drawnFor = version;
    load();
  }
  // The script is deferred: the page is parsed when it runs. The page's own data first (made
  // with the result region it shows; while an answer is being graded, its plots come after).
  var inline = document.getElementById("plot-data");
  if (inline) {
    try {
      show(JSON.parse(inline.textContent));
      drawnFor = resultVersion();
    } catch (e) { refresh(); }
  } else refresh();
  document.addEventListener("htmx:afterSwap", refresh);
  // a phone turned, a window resized: the SVG plots are drawn again for their new width
  var resized = null, lastWidth = window.innerWidth;
  window.addEventListener("resize", function () {
    if (!current || window.innerWidth === lastWidth) return;
    lastWidth = window.innerWidth;
    window.clearTimeout(resized);
    resized = window.setTimeout(function () { draw(current); }, 150);
  });
})();
