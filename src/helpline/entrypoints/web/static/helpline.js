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

  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.dataset.live && window.EventSource) { followLiveChanges(document.body.dataset.live); }
  });
})();
