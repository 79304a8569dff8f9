// The reports page: draws the charts from the figures the server embedded as JSON (#report-data).
// The table "By interval" on the page holds the same figures; it is the charts' accessible equivalent.
(function () {
  "use strict";

  var COLOURS = { offered: "#0b5cad", answered: "#1e7e34", abandoned: "#b3261e", target: "#7a5400",
                  service_level: "#0b5cad", asa_s: "#5b3fa8", abandon_rate: "#b3261e" };

  function percentFormatter(lang) {
    var format = new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 });
    return function (value) { return format.format(value); };
  }

  function numberFormatter(lang, digits) {
    var format = new Intl.NumberFormat(lang, { maximumFractionDigits: digits });
    return function (value) { return format.format(value); };
  }

  function options(formatValue, extra) {
    var base = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { ticks: { autoSkip: true, maxRotation: 0, maxTicksLimit: 8 } },
        y: { beginAtZero: true, ticks: { callback: formatValue } }
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            label: function (item) {
              return item.dataset.label + ": " + (item.raw === null ? "—" : formatValue(item.raw));
            }
          }
        }
      }
    };
    if (extra) { extra(base); }
    return base;
  }

  function line(id, key, data, label, colour) {
    return { label: label, data: data[key], borderColor: colour, backgroundColor: colour, spanGaps: false,
             pointRadius: data.labels.length > 60 ? 0 : 2, borderWidth: 2, tension: 0 };
  }

  function draw(data) {
    var percent = percentFormatter(data.lang);
    var count = numberFormatter(data.lang, 0);
    var seconds = numberFormatter(data.lang, 1);
    var text = data.text;

    var slSets = [line("chart-sl", "service_level", data, text.service_level, COLOURS.service_level)];
    if (data.target !== null) {
      slSets.push({ label: text.target, data: data.labels.map(function () { return data.target; }),
                    borderColor: COLOURS.target, backgroundColor: COLOURS.target, borderDash: [6, 4],
                    pointRadius: 0, borderWidth: 2 });
    }
    new Chart(document.getElementById("chart-sl"), {
      type: "line", data: { labels: data.labels, datasets: slSets },
      options: options(percent, function (o) { o.scales.y.suggestedMax = 1; })
    });

    new Chart(document.getElementById("chart-volume"), {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: ["offered", "answered", "abandoned"].map(function (key) {
          return { label: text[key], data: data[key], backgroundColor: COLOURS[key], borderColor: COLOURS[key] };
        })
      },
      options: options(count, function (o) { o.scales.y.ticks.precision = 0; })
    });

    new Chart(document.getElementById("chart-asa"), {
      type: "line", data: { labels: data.labels, datasets: [line("chart-asa", "asa_s", data, text.asa_s + ", " + text.seconds, COLOURS.asa_s)] },
      options: options(seconds)
    });

    new Chart(document.getElementById("chart-abandon"), {
      type: "line", data: { labels: data.labels, datasets: [line("chart-abandon", "abandon_rate", data, text.abandon_rate, COLOURS.abandon_rate)] },
      options: options(percent)
    });
    document.body.dataset.chartsDrawn = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("report-data");
    if (!source || typeof Chart === "undefined") { return; }
    draw(JSON.parse(source.textContent));
  });
})();
