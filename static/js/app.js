// Renders math with KaTeX after each page load and htmx swap; wires "did you mean" choices.
(function () {
  "use strict";
  function renderMath(root) {
    if (!window.katex) return;
    root.querySelectorAll("[data-latex]").forEach(function (el) {
      try {
        window.katex.render(el.getAttribute("data-latex"), el, { throwOnError: false, displayMode: false });
      } catch (e) { /* leave the plain text in place */ }
    });
    if (window.renderMathInElement) {
      root.querySelectorAll(".math-auto").forEach(function (el) {
        window.renderMathInElement(el, {
          delimiters: [{ left: "\\(", right: "\\)", display: false }, { left: "$$", right: "$$", display: true }],
          throwOnError: false,
        });
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { renderMath(document); });
  document.addEventListener("htmx:afterSwap", function (event) { renderMath(event.detail.target.parentNode || document); });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.reading");
    if (!button) return;
    var input = document.getElementById("id_answer");
    if (!input) return;
    input.value = button.getAttribute("data-reading");
    input.focus();
    if (window.htmx) window.htmx.trigger(input, "answer-chosen");
  });
})();
