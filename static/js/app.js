// Renders math with KaTeX after each page load and htmx swap; wires "did you mean" choices;
// keeps the Submit button in step with the result region.
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
  // The result region says whether another answer may be submitted (attempts, solved,
  // closed); the Submit button follows it without a reload.
  function syncSubmit() {
    var result = document.getElementById("result");
    var button = document.getElementById("submit-button");
    if (result && button && result.hasAttribute("data-can-submit")) {
      button.disabled = result.getAttribute("data-can-submit") !== "true";
    }
    // a multi-part problem: each part's region names its own button
    document.querySelectorAll("[data-submit-button]").forEach(function (region) {
      var own = document.getElementById(region.getAttribute("data-submit-button"));
      if (own) own.disabled = region.getAttribute("data-can-submit") !== "true";
    });
  }
  // After Submit the verdict is announced (a live region that the swaps never replace) and, on
  // a phone, scrolled into view with the keyboard put away: it would land below the fold.
  var announced = null;
  var swapped = null;  // the region a swap just replaced (a part's, on a multi-part problem)
  function verdictText() {
    var result = (swapped && document.getElementById(swapped)) || document.getElementById("result");
    var status = result && result.querySelector("p.status:not(.grading), .rejected .error");
    return status ? status.textContent.replace(/\s+/g, " ").trim() : null;
  }
  function announceVerdict() {
    var text = verdictText();
    if (!text || text === announced) return;
    announced = text;
    var live = document.getElementById("verdict-live");
    if (live) live.textContent = text;
    if (window.matchMedia("(max-width: 700px)").matches) {
      var input = document.getElementById("id_answer");
      if (input && document.activeElement === input) input.blur();
      var region = (swapped && document.getElementById(swapped)) || document.getElementById("result");
      if (region) region.scrollIntoView({ block: "start", behavior: "smooth" });
    }
  }
  document.addEventListener("DOMContentLoaded", function () { announced = verdictText(); });
  document.addEventListener("htmx:afterSwap", function (event) {
    var id = event.detail.target.id || "";
    swapped = id.indexOf("part-result-") === 0 ? id : null;
    renderMath(event.detail.target.parentNode || document);
    syncSubmit();
    announceVerdict();
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.reading");
    if (!button) return;
    var part = button.closest(".part");  // a multi-part problem: that part's answer box
    var input = part ? part.querySelector("input[name=answer]") : document.getElementById("id_answer");
    if (!input) return;
    input.value = button.getAttribute("data-reading");
    input.focus();
    if (window.htmx) window.htmx.trigger(input, "answer-chosen");
  });
})();
