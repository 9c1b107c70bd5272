// Conveniences only: every page works without this file.
// A button with data-confirm asks before its form is sent (the server asks again where money moves).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
