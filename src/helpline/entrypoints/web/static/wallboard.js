// The wallboard (templates/wallboard/board.html): every second, the waits and times in state tick on from the
// moments in their data-since attributes, a wait past its queue's threshold turns red, and an alert whose moment
// has come (data-show-at: the longest wait reaching 80 % of T) is shown. The server's clock is the reference:
// the board carries the server's "now" (data-now), so a client clock that is off does not skew the figures.
// No inline script (the CSP forbids it); the board itself reloads on "helpline:change" (htmx, helpline.js).
(function () {
  "use strict";

  var offset = 0; // server time minus this browser's time, in ms

  function syncClock() {
    var board = document.getElementById("wallboard");
    if (board && board.dataset.now) { offset = Number(board.dataset.now) - Date.now(); }
  }

  function duration(seconds) { // as format_duration in rendering.py: m:ss or h:mm:ss
    seconds = Math.max(0, Math.round(seconds));
    var hours = Math.floor(seconds / 3600), minutes = Math.floor((seconds % 3600) / 60), secs = seconds % 60;
    var ss = (secs < 10 ? "0" : "") + secs;
    if (hours) { return hours + ":" + (minutes < 10 ? "0" : "") + minutes + ":" + ss; }
    return minutes + ":" + ss;
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll("#wallboard .wb-tick[data-since]").forEach(function (element) {
      var seconds = (now - Number(element.dataset.since)) / 1000;
      var text = duration(seconds);
      if (element.textContent !== text) { element.textContent = text; }
      if (element.dataset.overAfter) {
        element.classList.toggle("wb-over", seconds >= Number(element.dataset.overAfter));
        element.classList.toggle("wb-near", now >= Number(element.dataset.warnAt));
      }
    });
    document.querySelectorAll("#wallboard [data-show-at][hidden]").forEach(function (element) {
      if (now >= Number(element.dataset.showAt)) { element.hidden = false; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    syncClock();
    tick();
    window.setInterval(tick, 1000);
  });
  // the board was reloaded: take the server's clock again and tick at once, so no stale second shows
  document.addEventListener("htmx:afterSettle", function () { syncClock(); tick(); });
})();
