// Helpers for the pages' charts and network (Chart.js and Cytoscape, served from /static/vendor).
// Everything scraped reaches the page through textContent or canvas text, never as HTML.
(function () {
  "use strict";

  var PALETTE = ["#1f5fa8", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490",
                 "#a16207", "#be185d", "#4d7c0f", "#475569"];

  function color(i) { return PALETTE[i % PALETTE.length]; }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok) {
            throw new Error(body.detail || ("the server answered " + response.status));
          }
          return body;
        });
      });
  }

  function barChart(canvas, labels, datasets, options) {
    if (typeof window.Chart === "undefined") {
      throw new Error("chart library missing: run `npm ci --prefix web`");
    }
    var opts = options || {};
    return new window.Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        indexAxis: opts.horizontal ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1 } },
        scales: {
          x: { stacked: true, ticks: { maxRotation: 0, autoSkip: true } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  // Days from first to last, filled in, so that quiet days show as gaps.
  function dayRange(first, last) {
    var out = [];
    var day = new Date(first + "T00:00:00Z");
    var end = new Date(last + "T00:00:00Z");
    while (day <= end && out.length < 3700) {
      out.push(day.toISOString().slice(0, 10));
      day.setUTCDate(day.getUTCDate() + 1);
    }
    return out;
  }

  window.lurewatch = { color: color, getJSON: getJSON, barChart: barChart, dayRange: dayRange };
})();
