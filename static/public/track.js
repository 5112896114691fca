/* The tracking page: copy the tracking link. */
(function () {
  "use strict";
  var button = document.getElementById("copy-link");
  var input = document.getElementById("tracking-link");
  if (!button || !input) return;
  var label = button.innerHTML;
  function done() {
    button.textContent = button.dataset.copied;
    setTimeout(function () { button.innerHTML = label; }, 2000);
  }
  button.addEventListener("click", function () {
    input.select();
    input.setSelectionRange(0, input.value.length);
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");  // plain http: the clipboard API is not offered
      done();
    }
  });
})();
