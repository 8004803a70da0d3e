// The label print view (no inline script: the CSP forbids it): the print button, and a label
// too long for one 4 x 2.5 in label continued on more, whole lines moved, each marked
// "1 of 2", "2 of 2". Without this script the label simply grows: no line is ever hidden.
(function () {
  "use strict";

  function bottomOf(element) { return element.getBoundingClientRect().bottom; }

  // The index of the first line of `sheet` (from `start`) that ends below `limit`, or -1.
  function firstOverflowing(sheet, start, limit) {
    for (var i = start; i < sheet.children.length; i++) {
      if (bottomOf(sheet.children[i]) > limit + 0.5) { return i; }
    }
    return -1;
  }

  // Where lines must end on a label: above its padding, or above its "1 of 2" mark.
  function limitOf(sheet, reserve) {
    var style = window.getComputedStyle(sheet);
    return bottomOf(sheet) - parseFloat(style.borderBottomWidth)
      - parseFloat(style.paddingBottom) - reserve;
  }

  function mark(text) {
    var p = document.createElement("p");
    p.className = "of";
    p.textContent = text;
    return p;
  }

  function continuation(first) {
    var sheet = document.createElement("div");
    sheet.className = "label";
    sheet.setAttribute("role", "group");
    var head = document.createElement("div");
    head.className = "continued";
    head.textContent = first.dataset.rx + " · " + first.dataset.patient + " (continued)";
    sheet.appendChild(head);
    return sheet;
  }

  function paginate(container) {
    var first = container.querySelector(".label");
    container.classList.add("paged");
    if (!first || firstOverflowing(first, 0, limitOf(first, 0)) < 0) { return 1; }
    var probe = first.appendChild(mark("1 of 2"));
    var reserve = bottomOf(first) - probe.getBoundingClientRect().top
      - parseFloat(window.getComputedStyle(first).paddingBottom);
    first.removeChild(probe);
    var sheets = [first];
    var sheet = first;
    for (;;) {
      var start = sheet === first ? 0 : 1;  // a continuation starts with its heading
      var cut = firstOverflowing(sheet, start, limitOf(sheet, reserve));
      if (cut < 0) { break; }
      if (cut === start) {  // one line taller than a whole label: that label grows
        sheet.classList.add("oversize");
        cut = start + 1;
        if (cut >= sheet.children.length) { break; }
      }
      var next = continuation(first);
      while (sheet.children.length > cut) { next.appendChild(sheet.children[cut]); }
      sheet.parentNode.insertBefore(next, sheet.nextSibling);
      sheets.push(next);
      sheet = next;
    }
    sheets.forEach(function (each, n) {
      var text = (n + 1) + " of " + sheets.length;
      each.appendChild(mark(text));
      each.setAttribute("aria-label", "Prescription label, " + text);
    });
    return sheets.length;
  }

  window.addEventListener("load", function () {
    document.querySelectorAll("[data-paginate]").forEach(function (container) {
      container.dataset.sheets = String(paginate(container));
    });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("print-label");
    if (button) { button.addEventListener("click", function () { window.print(); }); }
  });
}());
