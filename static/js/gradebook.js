// Gradebook: sort by a column (click again to reverse) and filter students by name, in the page.
(function () {
  "use strict";
  function value(row, column) {
    var cell = row.children[column];
    var raw = cell ? cell.getAttribute("data-sort") || cell.textContent : "";
    var number = parseFloat(raw);
    return isNaN(number) ? raw.toLowerCase() : number;
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.sort");
    if (!button) return;
    var table = button.closest("table");
    var body = table.tBodies[0];
    var column = parseInt(button.getAttribute("data-column"), 10);
    var descending = button.getAttribute("aria-sort") === "ascending";
    table.querySelectorAll("button.sort").forEach(function (b) { b.removeAttribute("aria-sort"); });
    button.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, column), y = value(b, column);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-filter-table]")) return;
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    var wanted = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      var name = (row.cells[0] && row.cells[0].textContent || "").toLowerCase();
      row.hidden = wanted !== "" && name.indexOf(wanted) === -1;
    });
  });
})();
