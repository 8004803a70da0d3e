// The Scan field: a barcode scanner types the code and then Enter. Enter in this field sends
// the form by its "Read scan" button (named in data-scan), so the page reads the scan into the
// NDC, lot and expiry fields; without this script the form's first button sends it, and the
// page reads the scan all the same.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input[data-scan]").forEach(function (input) {
    var button = document.getElementById(input.getAttribute("data-scan"));
    if (!button || !input.form) {
      return;
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        input.form.requestSubmit(button);
      }
    });
  });
});
