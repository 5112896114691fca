// The inspection form on the phone: +/− per item and the score previewed live.
// The preview follows sanitation.scoring.score (deduction × faults, at most the
// item's cap, never below 0); the server recomputes the stored score.
(function () {
  "use strict";

  const picker = document.querySelector("[data-autosubmit]");
  if (picker) picker.addEventListener("change", () => picker.form.submit());

  const form = document.getElementById("inspection-form");
  if (!form) return;
  const full = parseFloat(form.dataset.full);
  const live = document.getElementById("live-score");

  // Tenths as integers, so 100 − 0.1 × 3 shows 99.7 and not 99.69999.
  const tenths = (value) => Math.round(parseFloat(value) * 10);
  const show = (t) => (t / 10).toFixed(1).replace(/\.0$/, "");

  function recompute() {
    let taken = 0;
    form.querySelectorAll("[data-item]").forEach((row) => {
      const input = row.querySelector("input[type=number]");
      const count = Math.max(0, parseInt(input.value, 10) || 0);
      let item = tenths(row.dataset.deduction) * count;
      if (row.dataset.cap !== "") item = Math.min(item, tenths(row.dataset.cap));
      row.querySelector(".item-taken").textContent = "−" + show(item);
      taken += item;
    });
    live.textContent = show(Math.max(tenths(full) - taken, 0));
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-step]");
    if (!button) return;
    const input = button.closest("[data-item]").querySelector("input[type=number]");
    const next = (parseInt(input.value, 10) || 0) + parseInt(button.dataset.step, 10);
    input.value = Math.min(Math.max(next, 0), 999);
    recompute();
  });
  form.addEventListener("input", (event) => {
    if (event.target.matches("input[type=number]")) recompute();
  });

  // Picking a road section or toilet from the search results.
  document.getElementById("target-list").addEventListener("click", (event) => {
    const choice = event.target.closest("[data-target-id]");
    if (!choice) return;
    document.getElementById("i-target").value = choice.dataset.targetId;
    document.getElementById("target-label").textContent = choice.dataset.targetLabel;
    document.getElementById("target-chosen").classList.remove("d-none");
    document.getElementById("target-list").innerHTML = "";
    document.getElementById("i-target-q").value = "";
  });

  recompute();
})();
