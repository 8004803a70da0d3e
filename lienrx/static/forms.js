// A form that came back with errors: bring its summary into view and give it focus, so the
// person (and a screen reader) starts at the list of what to correct. Otherwise a page may
// name what it answered (data-focus-on-load, e.g. a batch's checked BUD): focus starts there,
// next to the buttons that act on it.
document.addEventListener("DOMContentLoaded", function () {
  var target = document.querySelector("[data-form-errors]") ||
               document.querySelector("[data-focus-on-load]");
  if (target) {
    target.scrollIntoView({block: "start"});
    target.focus({preventScroll: true});
  }
});
