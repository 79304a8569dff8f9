// The quality figures (/quality/agents, /quality/mine): draws the weekly chart from the figures the server
// embedded as JSON (#quality-data); the table and the totals on the page hold the same figures.
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("quality-data");
    var canvas = document.getElementById("quality-chart");
    if (!source || !canvas || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var format = new Intl.NumberFormat(document.documentElement.lang || "en", { maximumFractionDigits: 1 });
    var old = Chart.getChart(canvas);
    if (old) { old.destroy(); }
    new Chart(canvas, {
      type: "line",
      data: {
        labels: data.weeks,
        datasets: [
          { label: canvas.dataset.score, data: data.mean, borderColor: "#0b5cad", backgroundColor: "#0b5cad",
            borderWidth: 2, pointRadius: 3, tension: 0 },
          { label: canvas.dataset.errorFree, data: data.error_free, borderColor: "#1e7e34",
            backgroundColor: "#1e7e34", borderWidth: 2, pointRadius: 3, tension: 0, borderDash: [6, 3] }
        ]
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return format.format(v); } } } },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
      }
    });
    canvas.dataset.drawn = "true";
  }

  document.addEventListener("DOMContentLoaded", draw);
}());
