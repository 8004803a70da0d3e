// The work queue refreshes its counts and list in place every so often (data-seconds),
// keeping the stage, search, sort and page of the address. It waits while the person is
// typing or has a form field in focus, and keeps the scroll position. Without this script
// the list carries a "Refresh" link.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("queue-items");
  if (!box || !window.fetch) { return; }
  var seconds = parseInt(box.getAttribute("data-seconds"), 10) || 60;
  var lastKey = 0;
  document.addEventListener("keydown", function () { lastKey = Date.now(); });

  function busy() {
    var active = document.activeElement;
    var editing = active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    return editing || Date.now() - lastKey < 5000;
  }

  function refresh() {
    if (busy() || document.hidden) { return; }
    var url = box.getAttribute("data-refresh") + window.location.search;
    window.fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (!response.ok || response.redirected) { return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null || busy()) { return; }
        var x = window.scrollX, y = window.scrollY;
        box.innerHTML = html;
        window.scrollTo(x, y);
      })
      .catch(function () { /* offline or signed out: the Refresh link still works */ });
  }

  window.setInterval(refresh, seconds * 1000);
});
