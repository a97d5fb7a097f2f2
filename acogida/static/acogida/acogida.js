// Acogida: the little the pages need beyond htmx. Everything works without it, only slower.
(function () {
  "use strict";

  // "Remove this member": drop the row here instead of a round trip (the button also works
  // without JavaScript, as a submit that returns the form without that row).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) return;
    var row = document.getElementById(button.dataset.removeRow);
    if (!row) return;
    event.preventDefault();
    var next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    var target = next ? next.querySelector("select, input:not([type=hidden])")
                      : document.querySelector("[value='add']");
    if (target) target.focus();
  });

  // After a failed submit, the error summary takes the focus so it is read out first.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
