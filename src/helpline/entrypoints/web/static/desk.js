// The agent desk (templates/desk/): timers, the offer countdown, reloading the work area when an interaction
// joins or leaves it, and Enter-to-send in chat replies. No inline script: the CSP forbids it.
(function () {
  "use strict";

  var skew = 0; // server clock minus this browser's clock, from data-server-now at page load

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function format(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function serverNow() { return Date.now() + skew; }

  function tick() {
    var now = serverNow();
    document.querySelectorAll(".ticker[data-since]").forEach(function (el) {
      var text = format((now - Date.parse(el.dataset.since)) / 1000);
      if (el.textContent !== text) { el.textContent = text; }
    });
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      // never more than the time-out itself (the clocks' difference is only known to the page load's latency)
      var left = Math.min((Date.parse(el.dataset.deadline) - now) / 1000, Number(el.dataset.timeout) || Infinity);
      var text = format(Math.ceil(left));
      if (el.textContent !== text) { el.textContent = text; }
      el.classList.toggle("urgent", left <= 5);
      el.dataset.left = String(Math.max(0, Math.ceil(left)));
    });
  }

  // A live fragment whose new HTML is the same as last time is not swapped: focus and an open <select>
  // stay put however busy the event log is.
  var lastText = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.id || event.detail.requestConfig.verb !== "get") { return; }
    var text = event.detail.serverResponse;
    if (lastText[target.id] === text) { event.detail.shouldSwap = false; return; }
    lastText[target.id] = text;
    if (target.id === "desk-work") {  // the fragments inside it are rendered afresh
      Object.keys(lastText).forEach(function (id) { if (id !== "desk-work" && id !== "desk-status") { delete lastText[id]; } });
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    var status = document.getElementById("desk-status");
    var work = document.getElementById("desk-work");
    if (status && work && status.dataset.work !== work.dataset.work) {
      document.body.dispatchEvent(new CustomEvent("desk:work"));
    }
    tick();
  });

  // a reply sent: empty the box (the transcript shows the message)
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("form[data-reply]") && event.detail.successful) {
      var error = document.querySelector("#chat-log-" + form.id.replace("reply-", "") + " .field-error");
      if (!error) { form.reset(); }
    }
  });

  // Alt+letter (Alt+Shift+letter too) works the desk's access keys in every browser the same way, and only
  // once: the browser's own access-key handling is prevented. A button is pressed, a list gets the focus.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !/^Key[A-Z]$/.test(event.code || "")) { return; }
    var target = document.querySelector('#desk [accesskey="' + event.code.slice(3).toLowerCase() + '"]');
    if (!target) { return; }
    event.preventDefault();
    target.focus();
    if (target.tagName === "BUTTON") { target.click(); }
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key === "Enter" && !event.shiftKey && box.matches && box.matches("form[data-reply] textarea")) {
      event.preventDefault();
      if (box.value.trim()) { box.form.requestSubmit(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var desk = document.getElementById("desk");
    if (!desk) { return; }
    var server = Date.parse(desk.dataset.serverNow);
    if (!isNaN(server)) { skew = server - Date.now(); }
    tick();
    window.setInterval(tick, 250);
  });
})();
