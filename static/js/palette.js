// The maths keyboard (templates/practice/_math_palette.html): each key edits the answer box's
// own text at its caret, in the syntax the preview and the engine read, and fires "input" so
// the preview follows; the box stays the only source of the answer, and the form posts it.
(function () {
  "use strict";
  var OPENERS = "(<[,";
  var CLOSERS = ")>],";
  var STORE = "pc-math-keyboard";
  // a phone: a narrow screen (as app.js's 700 px) or a finger for a pointer
  var PHONE = "(max-width: 700px), (pointer: coarse)";

  // ------------------------------------------------------------------ edits: text in, text out
  // Each takes the value and the selection [start, end) and returns {value, caret}.

  function insert(value, start, end, before, after) {
    var selected = value.slice(start, end);
    var head = value.slice(0, start) + before + selected;
    var text = head + after + value.slice(end);
    var caret = head.length;
    if (selected && after) {
      // a selection goes into the first box (sqrt(sel), (sel)/()): the caret to the next box
      var slot = emptySlot(text, head.length, head.length + after.length);
      caret = slot === -1 ? head.length + after.length : slot;
    }
    return { value: text, caret: caret };
  }

  function nonSpace(value, i, step) {
    while (i >= 0 && i < value.length && value.charAt(i) === " ") i += step;
    return i;
  }

  // an empty box is a place between an opener and a closer with only spaces between: (|), <|, >
  function isSlot(value, i) {
    var before = nonSpace(value, i - 1, -1);
    var after = nonSpace(value, i, 1);
    return before >= 0 && after < value.length &&
      OPENERS.indexOf(value.charAt(before)) !== -1 && CLOSERS.indexOf(value.charAt(after)) !== -1;
  }

  // the next empty box after the one the caret is in, the caret after its spaces; -1 if none
  function emptySlot(value, from, to) {
    var i = from;
    if (isSlot(value, i)) while (value.charAt(i) === " ") i++;
    for (i = i + 1; i <= to; i++) {
      if (isSlot(value, i)) {
        while (value.charAt(i) === " ") i++;
        return i;
      }
    }
    return -1;
  }

  // ⇥: to the next empty box; else out of the bracket the caret is in; else to the end
  function next(value, start) {
    var slot = emptySlot(value, start, value.length);
    if (slot !== -1) return { value: value, caret: slot };
    for (var i = start; i < value.length; i++) {
      if (")>]".indexOf(value.charAt(i)) !== -1) return { value: value, caret: i + 1 };
    }
    return { value: value, caret: value.length };
  }

  var FUNCTION_NAME = /(sqrt|ln|sin|cos|e\^|\^)$/;

  function backspace(value, start, end) {
    if (start !== end) return { value: value.slice(0, start) + value.slice(end), caret: start };
    if (start === 0) return { value: value, caret: 0 };
    var prev = value.charAt(start - 1);
    var pair = { "(": ")", "<": ">", "[": "]" }[prev];
    if (pair && value.charAt(start) === pair) {
      // an empty box goes whole, with the function it belongs to: sqrt(|) -> |
      var head = value.slice(0, start - 1).replace(FUNCTION_NAME, "");
      return { value: head + value.slice(start + 1), caret: head.length };
    }
    // a character with the spaces around it: "x = |" -> "x|", "x + y|" -> "x + |"
    var i = start;
    while (i > 0 && value.charAt(i - 1) === " ") i--;
    if (i === 0) return { value: value.slice(start), caret: 0 };
    var from = i - 1;
    if (i < start) while (from > 0 && value.charAt(from - 1) === " ") from--;
    return { value: value.slice(0, from) + value.slice(start), caret: from };
  }

  // the label key: the answer gets this label (one label: an old one is replaced)
  function label(value, start, text) {
    var cut = value.search(/[=:]/);
    var body = cut === -1 ? value : value.slice(cut + 1).replace(/^ +/, "");
    var removed = value.length - body.length;
    var caret = Math.max(start - removed, 0) + text.length;
    return { value: text + body, caret: cut === -1 && start === 0 && body ? text.length : caret };
  }

  // ------------------------------------------------------------------ the page

  function setUp(palette) {
    var input = document.getElementById(palette.getAttribute("data-for"));
    var toggle = document.querySelector('[aria-controls="' + palette.id + '"]');
    if (!input || !toggle) return;
    var typedMode = input.getAttribute("inputmode") || "text";

    function apply(result) {
      var limit = input.maxLength > 0 ? input.maxLength : Infinity;
      if (result.value.length > limit) return;
      var changed = result.value !== input.value;
      input.value = result.value;
      input.setSelectionRange(result.caret, result.caret);
      if (changed) input.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function setOpen(open, remember) {
      palette.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      // while the keys are open, a tap in the box shows its caret without the phone's keyboard
      // covering the keys; ABC (or the toggle) brings the phone's keyboard back
      input.setAttribute("inputmode", open && window.matchMedia(PHONE).matches ? "none" : typedMode);
      if (remember) {
        try { window.localStorage.setItem(STORE, open ? "open" : "closed"); } catch (e) { /* private mode */ }
      }
    }

    var stored = null;
    try { stored = window.localStorage.getItem(STORE); } catch (e) { /* private mode */ }
    toggle.hidden = false;
    setOpen(stored ? stored === "open" : window.matchMedia(PHONE).matches, false);

    toggle.addEventListener("click", function () {
      setOpen(palette.hidden, true);
    });
    // a tap or a click on a key leaves the focus (and the caret) in the box
    palette.addEventListener("mousedown", function (event) {
      if (event.target.closest("button")) event.preventDefault();
    });
    palette.addEventListener("pointerdown", function (event) {
      if (event.target.closest("button")) event.preventDefault();
    });
    palette.addEventListener("click", function (event) {
      var key = event.target.closest("button.mkey");
      if (!key) return;
      var value = input.value;
      var start = input.selectionStart === null ? value.length : input.selectionStart;
      var end = input.selectionEnd === null ? start : input.selectionEnd;
      var action = key.getAttribute("data-action");
      if (action === "close") {
        setOpen(false, true);
        input.focus();
        return;
      }
      if (action === "left") apply({ value: value, caret: start === end ? Math.max(start - 1, 0) : start });
      else if (action === "right") apply({ value: value, caret: start === end ? Math.min(end + 1, value.length) : end });
      else if (action === "next") apply(next(value, end));
      else if (action === "backspace") apply(backspace(value, start, end));
      else if (key.hasAttribute("data-label")) apply(label(value, start, key.getAttribute("data-label")));
      else apply(insert(value, start, end, key.getAttribute("data-insert") || "", key.getAttribute("data-after") || ""));
      // a finger or a mouse keeps typing in the box (the page does not jump to it); a keyboard
      // user stays on the key
      if (event.detail > 0) input.focus({ preventScroll: true });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".math-palette[data-for]").forEach(setUp);
  });
})();
