/* The triage queue: keep rows still while the user acts, and offer only the
   bulk actions the selected rows allow. Polling: every data-poll-seconds this
   script sends #queue-live the queuePoll event (its hx-trigger) unless
   queueBusy(); no htmx trigger filter, which would need eval under the CSP. */
(function () {
  "use strict";

  // True while a row is selected, a form control has focus, or the mouse is over the table:
  // a refresh then would move a row from under the cursor.
  window.queueBusy = function () {
    if (document.querySelector("#queue-live .case-check:checked")) return true;
    const active = document.activeElement;
    if (active && active.matches("input, select, textarea")) return true;
    return Boolean(document.querySelector("#queue-live:hover"));
  };

  function selectedChecks() {
    return Array.from(document.querySelectorAll("#queue-live .case-check:checked"));
  }

  // A bulk button is enabled when at least one selected row allows its action;
  // rows that do not are skipped by the server with a message.
  function updateBulk() {
    const checks = selectedChecks();
    const counter = document.getElementById("bulk-selected");
    if (counter) counter.textContent = String(checks.length);
    document.querySelectorAll("#bulk-form .bulk-action").forEach(function (button) {
      const action = button.dataset.action;
      const allowed = checks.filter(function (c) { return c.dataset.actions.split(" ").includes(action); });
      button.disabled = allowed.length === 0;
      button.title = checks.length ? allowed.length + " / " + checks.length : "";
    });
    document.body.classList.toggle("queue-busy", checks.length > 0);
  }

  document.addEventListener("change", function (event) {
    const target = event.target;
    if (target.id === "select-all") {
      document.querySelectorAll("#queue-live .case-check").forEach(function (c) { c.checked = target.checked; });
    }
    if (target.id === "select-all" || target.classList.contains("case-check")) updateBulk();
  });
  document.addEventListener("htmx:afterSwap", updateBulk);
  document.addEventListener("DOMContentLoaded", updateBulk);

  document.addEventListener("DOMContentLoaded", function () {
    const live = document.getElementById("queue-live");
    const seconds = live ? Number(live.dataset.pollSeconds) : 0;
    if (!seconds) return;
    setInterval(function () {
      if (!window.queueBusy()) htmx.trigger(live, "queuePoll");
    }, seconds * 1000);
  });
})();
