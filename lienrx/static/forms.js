// A form that came back with errors: bring its summary into view and give it focus, so the
// person (and a screen reader) starts at the list of what to correct.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-form-errors]");
  if (summary) {
    summary.scrollIntoView({block: "start"});
    summary.focus({preventScroll: true});
  }
});
