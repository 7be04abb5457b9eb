// The template editor's parts (templates/authoring/_parts_editor.html): shows the one-question
// fields or the parts as the kind of problem says, and adds and removes part rows, renumbering
// the rows' field names (part-0-kind, part-1-kind, ...) and the formset's TOTAL_FORMS.
(function () {
  "use strict";

  function init() {
    var form = document.getElementById("template-form");
    var rows = document.getElementById("part-rows");
    var empty = document.getElementById("part-empty");
    var add = document.getElementById("add-part");
    if (!form || !rows || !empty || !add) { return; }
    var total = form.querySelector("input[name=part-TOTAL_FORMS]");
    var max = parseInt(add.getAttribute("data-max"), 10) || 6;

    function showFamily() {
      var chosen = form.querySelector("input[name=family]:checked");
      var family = chosen ? chosen.value : "custom";
      form.querySelectorAll(".family-fields").forEach(function (set) {
        set.hidden = set.getAttribute("data-family") !== family;
      });
    }

    function renumber() {
      var list = rows.querySelectorAll("[data-part-row]");
      list.forEach(function (row, index) {
        row.querySelectorAll("[name], [id], label[for]").forEach(function (el) {
          ["name", "id", "for"].forEach(function (attr) {
            var value = el.getAttribute(attr);
            if (value) { el.setAttribute(attr, value.replace(/part-(\d+|__prefix__)-/, "part-" + index + "-")); }
          });
        });
        row.querySelector("[data-remove-part]").hidden = list.length <= 2;
      });
      total.value = String(list.length);
      add.hidden = list.length >= max;
    }

    add.addEventListener("click", function () {
      rows.appendChild(empty.content.cloneNode(true));
      renumber();
      var last = rows.lastElementChild.querySelector("select, input");
      if (last) { last.focus(); }
    });
    rows.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-part]");
      if (!button) { return; }
      button.closest("[data-part-row]").remove();
      renumber();
      add.focus();
    });
    form.addEventListener("change", function (event) {
      if (event.target.name === "family") { showFamily(); }
    });
    showFamily();
    renumber();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
