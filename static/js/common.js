/* Small behaviours of every page, declared in the markup instead of inline handlers
   (the Content-Security-Policy runs no onclick=/onchange= attributes):
   - data-print: a click prints the page;
   - data-autosubmit: a change submits the control's form;
   - data-clear-field="name": a change empties the form's field of that name;
   - data-confirm="question" on a form: submitting asks first;
   - data-percent on a .progress-bar: its width (set through the CSSOM, which the policy allows). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("change", function (event) {
    const control = event.target;
    if (!control.form) return;
    const clear = control.dataset.clearField;
    if (clear && control.form.elements[clear]) control.form.elements[clear].value = "";
    if (control.hasAttribute("data-autosubmit")) control.form.submit();
  });

  document.addEventListener("submit", function (event) {
    const question = event.target.dataset && event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  function sizeProgressBars(root) {
    root.querySelectorAll(".progress-bar[data-percent]").forEach(function (bar) {
      bar.style.width = bar.dataset.percent + "%";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { sizeProgressBars(document); });
  document.addEventListener("htmx:afterSettle", function () { sizeProgressBars(document); });
})();
