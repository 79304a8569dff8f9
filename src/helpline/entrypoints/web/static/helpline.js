// Helpline's pages: live refresh and the CSRF header for htmx. No inline script (the CSP forbids it).
(function () {
  "use strict";

  // Every htmx request that changes something carries the session's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = document.body.dataset.csrf;
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  // <body data-live="/live">: the server says when the event log grew; fragments listening for
  // "helpline:change from:body" reload themselves (hx-trigger). A (re)connect also refreshes.
  function followLiveChanges(url) {
    var source = new EventSource(url);
    source.addEventListener("change", function (event) {
      document.body.dataset.liveSeq = event.data;
      document.body.dispatchEvent(new CustomEvent("helpline:change", { detail: { seq: event.data } }));
    });
  }

  // <span data-seconds-left="N" data-form="id" data-time-up="message">: an exam's time left, counted from the
  // server's figure (not the browser's clock). At zero the answers given so far are sent, marked time_up (the
  // unanswered count as wrong), as an invigilator collects the papers; the last minute is marked "urgent".
  function countDown(timer) {
    var end = performance.now() + Number(timer.dataset.secondsLeft) * 1000;
    var form = document.getElementById(timer.dataset.form);
    var clock = setInterval(show, 1000);
    function show() {
      var left = Math.max(0, Math.ceil((end - performance.now()) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      timer.classList.toggle("urgent", left <= 60);
      if (left > 0) { return; }
      clearInterval(clock);
      timer.textContent = timer.dataset.timeUp;
      if (form && !form.dataset.sent) {
        form.dataset.sent = "1";
        form.elements.time_up.value = "1";
        form.requestSubmit();
      }
    }
    show();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.live && window.EventSource) { followLiveChanges(document.body.dataset.live); }
    document.querySelectorAll("[data-seconds-left]").forEach(countDown);
  });
})();
