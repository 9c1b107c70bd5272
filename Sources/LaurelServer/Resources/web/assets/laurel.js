// Conveniences only: every page works without this file.
// A button with data-confirm asks before its form is sent (the server asks again where money moves).
document.addEventListener("submit", function (event) {
  var button = event.submitter;
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});

// A file field for a text area (a code pool's CSV): shown only with script, it reads the chosen
// file into the text area, which is what the form posts. Without script, paste the file's text.
document.querySelectorAll("[data-file-for]").forEach(function (element) {
  element.hidden = false;
  if (element.tagName !== "INPUT") { return; }
  element.addEventListener("change", function () {
    var file = element.files && element.files[0];
    var target = document.getElementById(element.getAttribute("data-file-for"));
    if (!file || !target) { return; }
    file.text().then(function (text) { target.value = text; target.focus(); });
  });
});
