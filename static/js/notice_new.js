/* Issuing a 三色单 (patrols/notice_new.html): the decision (and for 处罚 the amount) is asked
   only when the preview says the notice escalates. */
(function () {
  "use strict";
  document.body.addEventListener("htmx:afterSettle", function () {
    var level = document.getElementById("notice-level");
    if (!level) return;
    var step = level.dataset.step;
    document.getElementById("escalation").classList.toggle("d-none", !step);
    var penalty = document.getElementById("penalty-field");
    penalty.classList.toggle("d-none", step !== "penalty" && !penalty.querySelector(".is-invalid"));
  });
})();
