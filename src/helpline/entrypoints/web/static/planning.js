// The planning pages: draws the charts from the figures the server embedded as JSON (#forecast-data,
// #staffing-data); the tables on the pages hold the same figures. Redraws after an htmx swap (a run), and
// lets htmx show a form sent back with errors (status 422) in place.
(function () {
  "use strict";

  var COLOURS = { actual: "#0b5cad", forecast: "#b35c00", required: "#b3261e", scheduled: "#1e7e34" };

  function numberFormatter(lang, digits) {
    var format = new Intl.NumberFormat(lang, { maximumFractionDigits: digits });
    return function (value) { return format.format(value); };
  }

  function options(format) {
    return {
      animation: false, responsive: true, maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: { x: { ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 10 } },
                y: { beginAtZero: true, ticks: { callback: format } } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } },
                 tooltip: { callbacks: { label: function (item) {
                   return item.dataset.label + ": " + (item.raw === null ? "—" : format(item.raw));
                 } } } }
    };
  }

  function series(label, data, colour, extra) {
    var set = { label: label, data: data, borderColor: colour, backgroundColor: colour, pointRadius: 0,
                borderWidth: 2, tension: 0, spanGaps: false };
    Object.keys(extra || {}).forEach(function (key) { set[key] = extra[key]; });
    return set;
  }

  function replace(canvas, config) {
    var old = Chart.getChart(canvas);
    if (old) { old.destroy(); }
    return new Chart(canvas, config);
  }

  function drawForecast(data) {
    var format = numberFormatter(data.lang, 1);
    replace(document.getElementById("chart-forecast"), {
      type: "line",
      data: { labels: data.labels, datasets: [
        series(data.text.actual, data.actual, COLOURS.actual),
        series(data.text.forecast, data.forecast, COLOURS.forecast, { borderDash: [6, 3] })
      ] },
      options: options(format)
    });
  }

  function drawStaffing(data) {
    var format = numberFormatter(data.lang, 0);
    var config = options(format);
    config.scales.y.ticks.precision = 0;
    replace(document.getElementById("chart-staffing"), {
      type: "bar",
      data: { labels: data.labels, datasets: [
        series(data.text.scheduled, data.scheduled, COLOURS.scheduled, { type: "bar", borderWidth: 0, order: 2 }),
        series(data.text.required, data.required, COLOURS.required, { type: "line", stepped: "middle", order: 1 })
      ] },
      options: config
    });
  }

  function draw() {
    if (typeof Chart === "undefined") { return; }
    var forecast = document.getElementById("forecast-data");
    var staffing = document.getElementById("staffing-data");
    if (forecast) { drawForecast(JSON.parse(forecast.textContent)); }
    if (staffing) { drawStaffing(JSON.parse(staffing.textContent)); }
    document.body.dataset.planningDrawn = String(Number(document.body.dataset.planningDrawn || "0") + 1);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });
  document.addEventListener("htmx:afterSettle", draw);
  document.addEventListener("DOMContentLoaded", draw);
})();
