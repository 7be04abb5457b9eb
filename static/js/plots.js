// Draws the plots of the problem page (templates/practice/_plots.html) with Plotly from the
// data of plot.json (computed by the engine on the server: null where a value was cut).
// Refetches after each graded answer (the result region swapped in without "Grading…").
// Plotly is not in the page's <head>: this script asks for plot.json at once and adds the
// Plotly bundle the section names (data-plotly) when the section comes near the viewport, so
// neither holds up the page's first paint nor its other scripts (KaTeX); the 2-D slice is
// drawn first, then the 3-D surface (WebGL, the slow one). When all are drawn the section
// gets data-plot-drawn (bench/page_load.py and the browser tests wait for it).
(function () {
  "use strict";
  var section = document.getElementById("plots");
  if (!section) return;
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["toImage"] };
  var COLORS = { slice: "#1f4e9e", point: "#111", yours: "#d9480f", keys: "#2b8a3e", differ: "#c92a2a" };

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
  function layout2d(xTitle, yTitle) {
    return {
      margin: { l: 48, r: 12, t: 12, b: 40 },
      xaxis: { title: { text: xTitle } },
      yaxis: { title: { text: yTitle } },
      legend: { orientation: "h", y: -0.25 },
      showlegend: true,
    };
  }

  function surface3d(data) {
    var s = data.surface;
    var a = data.variables[0], b = data.variables[1];
    var traces = [{ type: "surface", x: s.x, y: s.y, z: s.z, colorscale: "Viridis", opacity: 0.9, showscale: false, name: t("surface") }];
    var finite = [];
    s.z.forEach(function (row) { row.forEach(function (v) { if (v !== null) finite.push(v); }); });
    var zmin = Math.min.apply(null, finite), zmax = Math.max.apply(null, finite);
    if (data.kind !== "gradient") {
      var value = data.point[data.moving === a ? b : a];
      var lo = data.slice.t[0], hi = data.slice.t[data.slice.t.length - 1];
      var plane = data.moving === a
        ? { x: [[lo, hi], [lo, hi]], y: [[value, value], [value, value]] }
        : { x: [[value, value], [value, value]], y: [[lo, hi], [lo, hi]] };
      traces.push({ type: "surface", x: plane.x, y: plane.y, z: [[zmin, zmin], [zmax, zmax]], opacity: 0.35,
        showscale: false, colorscale: [[0, "#adb5bd"], [1, "#adb5bd"]], name: t("plane"), hoverinfo: "skip" });
      var along = data.slice.t, fixed = along.map(function () { return value; });
      traces.push({ type: "scatter3d", mode: "lines", name: t("slice"), line: { color: COLORS.slice, width: 6 },
        x: data.moving === a ? along : fixed, y: data.moving === a ? fixed : along, z: data.slice.z });
    }
    traces.push({ type: "scatter3d", mode: "markers", name: t("point"), marker: { size: 5, color: COLORS.point },
      x: [data.point[a]], y: [data.point[b]], z: [data.z0] });
    var lay = { margin: { l: 0, r: 0, t: 0, b: 0 }, showlegend: false,
      scene: { xaxis: { title: { text: a } }, yaxis: { title: { text: b } }, zaxis: { title: { text: "z" } },
               camera: { eye: { x: 1.6, y: -1.6, z: 0.9 } } } };
    return { traces: traces, layout: lay };
  }

  // A mixed partial (f_xy) is the slope of f_x along the slice: its graph is f_x's, not f's.
  function innerName(data) { return "f_" + data.inner.wrt.join(""); }
  function sliceTraces(data) {
    var mixed = data.kind === "mixed";
    var traces = [{ type: "scatter", mode: "lines", x: data.slice.t, y: mixed ? data.inner.z : data.slice.z,
      name: mixed ? fill(t("inner"), { name: innerName(data) }) : t("slice"),
      line: { color: COLORS.slice, width: 3 }, connectgaps: false }];
    var curve = data.kind === "curvature";
    if (data.answer && data.answer.line) {
      traces.push({ type: "scatter", mode: "lines", name: t(curve ? "yours-curve" : "yours"), x: data.answer.line.t,
        y: data.answer.line.z, line: { color: COLORS.yours, width: 3, dash: "dash" } });
    }
    if (data.key && data.key.line) {
      traces.push({ type: "scatter", mode: "lines", name: t(curve ? "keys-curve" : "keys"), x: data.key.line.t,
        y: data.key.line.z, line: { color: COLORS.keys, width: 2 } });
    }
    traces.push({ type: "scatter", mode: "markers", name: t("point"), x: [data.point[data.moving]],
      y: [mixed ? data.inner.z0 : data.z0], marker: { size: 10, color: COLORS.point } });
    return traces;
  }

  function derivativeTraces(data) {
    var traces = [
      { type: "scatter", mode: "lines", name: t("your-derivative"), x: data.slice.t, y: data.answer.derivative,
        line: { color: COLORS.yours, width: 3, dash: "dash" } },
      { type: "scatter", mode: "lines", name: t("key-derivative"), x: data.slice.t, y: data.key.derivative,
        line: { color: COLORS.keys, width: 2 } },
    ];
    if (data.differs && data.differs.length) {
      var ys = data.differs.map(function (x) {
        var i = data.slice.t.indexOf(x);
        return i >= 0 ? data.answer.derivative[i] : null;
      });
      traces.push({ type: "scatter", mode: "markers", name: t("differ"), x: data.differs, y: ys,
        marker: { color: COLORS.differ, symbol: "x", size: 8 } });
    }
    return traces;
  }

  function arrows(field, color, name) {
    var xs = [], ys = [], sizes = [];
    var big = 0;
    field.u.forEach(function (u, i) {
      var v = field.v[i];
      if (u !== null && v !== null) big = Math.max(big, Math.sqrt(u * u + v * v));
    });
    var step = big > 0 ? 0.8 / big : 0;  // the longest arrow is 0.8 of a grid step (6 / 6 = 1)
    field.u.forEach(function (u, i) {
      var v = field.v[i];
      if (u === null || v === null) return;
      xs.push(field.x[i], field.x[i] + u * step, null);
      ys.push(field.y[i], field.y[i] + v * step, null);
      sizes.push(0, 9, 0);
    });
    return { type: "scatter", mode: "lines+markers", name: name, x: xs, y: ys, line: { color: color, width: 2 },
      marker: { symbol: "arrow", angleref: "previous", size: sizes, color: color } };
  }

  function gradientTraces(data) {
    var s = data.surface;
    var traces = [{ type: "contour", x: s.x, y: s.y, z: s.z, colorscale: "Viridis", showscale: false,
      contours: { coloring: "lines" }, name: t("contours"), line: { width: 1.5 } }];
    if (data.answer && data.answer.u) traces.push(arrows(data.answer, COLORS.yours, t("your-arrows")));
    if (data.key && data.key.u) traces.push(arrows(data.key, COLORS.keys, t("key-arrows")));
    return traces;
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

  function draw(data) {
    var surfaceDiv = document.getElementById("plot-surface");
    var sliceDiv = document.getElementById("plot-slice");
    var derivDiv = document.getElementById("plot-derivatives");
    var height = compact() ? 300 : 380;
    [surfaceDiv, sliceDiv, derivDiv].forEach(function (d) { d.style.height = height + "px"; });
    section.removeAttribute("data-plot-drawn");
    var drawing = [];
    if (data.kind === "gradient") {
      var lay = layout2d(data.variables[0], data.variables[1]);
      lay.yaxis.scaleanchor = "x";
      drawing.push(window.Plotly.react(sliceDiv, gradientTraces(data), lay, CONFIG));
    } else {
      var yTitle = data.kind === "mixed" ? innerName(data) : "z";
      drawing.push(window.Plotly.react(sliceDiv, sliceTraces(data), layout2d(data.moving, yTitle), CONFIG));
    }
    var both = data.answer && data.answer.derivative && data.key && data.key.derivative;
    derivDiv.parentNode.hidden = !both;
    if (both) {
      var dl = layout2d(data.moving, t("derivatives"));
      drawing.push(window.Plotly.react(derivDiv, derivativeTraces(data), dl, CONFIG));
    }
    document.getElementById("plot-description").textContent = describe(data);
    surfaceDiv.parentNode.hidden = !data.surface;
    // The surface in a task of its own, once the 2-D plots are on the screen.
    var surface = new Promise(function (resolve) {
      if (!data.surface) { resolve(); return; }
      window.requestAnimationFrame(function () {
        window.setTimeout(function () {
          var sur = surface3d(data);
          resolve(window.Plotly.react(surfaceDiv, sur.traces, sur.layout, CONFIG));
        }, 0);
      });
    });
    drawing.push(surface);
    section.setAttribute("data-plot-kind", data.kind);
    section.setAttribute("data-plot-attempt", data.attempt === null ? "" : String(data.attempt));
    var round = ++drawRound;  // a newer draw's surface may still be on its way
    return Promise.all(drawing).then(function () {
      if (round === drawRound) section.setAttribute("data-plot-drawn", "");
    });
  }
  var drawRound = 0;

  var status = document.getElementById("plot-status");
  function failed() { status.hidden = false; status.textContent = t("failed"); }

  // Plotly: one <script> added once, when the section is near the viewport.
  var plotly = null;
  function plotlyLoaded() {
    if (!plotly) {
      plotly = new Promise(function (resolve, reject) {
        function add() {
          if (window.Plotly) { resolve(); return; }
          var script = document.createElement("script");
          script.src = section.getAttribute("data-plotly");
          script.async = true;
          script.onload = function () { resolve(); };
          script.onerror = reject;
          document.head.appendChild(script);
        }
        if (!("IntersectionObserver" in window)) { add(); return; }
        var seen = new IntersectionObserver(function (entries) {
          if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); add(); }
        }, { rootMargin: "400px 0px" });
        seen.observe(section);
      });
    }
    return plotly;
  }

  var latest = 0;  // only the last request's data is drawn
  function load() {
    var mine = ++latest;
    var data = fetch(section.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
    Promise.all([data, plotlyLoaded()])
      .then(function (both) {
        if (mine !== latest) return null;
        window.partialCreditPlot = both[0];  // what the page received (read by the browser tests)
        var drawn = draw(both[0]);
        status.textContent = "";
        status.hidden = true;
        return drawn;
      })
      .catch(function () { if (mine === latest) failed(); });
  }
  // What the plots depend on in the result region: the answers graded and the key shown.
  function resultVersion() {
    var region = document.getElementById("result");
    if (!region || region.querySelector("[data-status='grading']")) return null;
    return region.querySelectorAll(".history tbody tr").length + (region.querySelector(".key") ? "k" : "");
  }
  var drawnFor = null;
  function refresh() {
    var version = resultVersion();
    if (version === null || version === drawnFor) return;
    drawnFor = version;
    load();
  }
  // The script is deferred: the page is parsed when it runs.
  refresh();
  document.addEventListener("htmx:afterSwap", refresh);
})();
