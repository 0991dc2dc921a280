// The overview page: new and high-risk posts per day, per platform and per destination,
// drawn from /api/overview.
(function () {
  "use strict";
  var root = document.getElementById("overview");
  if (!root) { return; }
  var lw = window.lurewatch;
  var summary = document.getElementById("overview-summary");
  var TOP = 6;

  function stacked(split, what) {
    var keys = Object.keys(split).sort(function (a, b) {
      var sum = function (k) { return split[k].posts.reduce(function (x, y) { return x + y; }, 0); };
      return sum(b) - sum(a) || (a < b ? -1 : 1);
    });
    var shown = keys.slice(0, TOP);
    var sets = shown.map(function (key, i) {
      return { label: key, data: split[key][what], backgroundColor: lw.color(i) };
    });
    if (keys.length > TOP) {
      var rest = keys.slice(TOP);
      var data = split[rest[0]][what].map(function (_, day) {
        return rest.reduce(function (total, key) { return total + split[key][what][day]; }, 0);
      });
      sets.push({ label: "other", data: data, backgroundColor: "#94a3b8" });
    }
    return sets;
  }

  lw.getJSON("/api/overview?days=" + encodeURIComponent(root.dataset.days)).then(function (data) {
    var newPosts = data.all.posts.reduce(function (a, b) { return a + b; }, 0);
    var highPosts = data.all.high.reduce(function (a, b) { return a + b; }, 0);
    summary.textContent = data.total.toLocaleString("en") + " posts indexed. From " +
      data.first_day + " to " + data.last_day + ": " + newPosts.toLocaleString("en") +
      " new, " + highPosts.toLocaleString("en") + " of them high-risk.";
    lw.barChart(document.getElementById("chart-platform"), data.days,
                stacked(data.by_platform, "posts"));
    lw.barChart(document.getElementById("chart-high"), data.days,
                [{ label: "high risk", data: data.all.high, backgroundColor: "#b91c1c" }]);
    lw.barChart(document.getElementById("chart-country"), data.days,
                stacked(data.by_country, "posts"));
    var countries = data.facets.country || {};
    var names = Object.keys(countries);
    lw.barChart(document.getElementById("chart-countries"), names,
                [{ label: "posts", data: names.map(function (k) { return countries[k]; }),
                   backgroundColor: lw.color(2) }], { horizontal: true });
    root.dataset.chartsReady = "yes";
  }).catch(function (error) {
    summary.textContent = "Could not load the overview: " + error.message;
  });
})();
