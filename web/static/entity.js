// The entity page: its posts per day, and the network of what appears with it, which the
// analyst expands node by node (each expansion asks /api/entities for that node).
(function () {
  "use strict";
  var root = document.getElementById("entity");
  if (!root) { return; }
  var lw = window.lurewatch;
  var status = document.getElementById("graph-status");
  var KIND_COLORS = {
    phone: "#1f5fa8", telegram: "#0e7490", whatsapp: "#15803d", line: "#4d7c0f",
    kakao: "#a16207", wechat: "#166534", email: "#7c3aed", wallet: "#b91c1c",
    domain: "#475569", organization: "#be185d"
  };
  var MAX_NEW = 30;
  var expanded = {};
  var cy = null;
  var laidOut = false;

  function apiUrl(kind, value) {
    return "/api/entities/" + encodeURIComponent(kind) + "/" + encodeURIComponent(value) +
      "?limit=0";
  }
  function pageUrl(kind, value) {
    return "/entities/" + encodeURIComponent(kind) + "/" + encodeURIComponent(value);
  }
  function nodeId(kind, value) { return kind + ":" + value; }
  function say(text) { status.textContent = text; }

  function drawTimeline(timeline) {
    var canvas = document.getElementById("timeline");
    if (!timeline.length) { return; }
    var counts = {};
    timeline.forEach(function (d) { counts[d.date] = d.count; });
    var days = lw.dayRange(timeline[0].date, timeline[timeline.length - 1].date);
    var labels = days;
    var values = days.map(function (d) { return counts[d] || 0; });
    if (days.length > 200) {  // long histories read better per month
      var months = {};
      timeline.forEach(function (d) {
        var m = d.date.slice(0, 7);
        months[m] = (months[m] || 0) + d.count;
      });
      labels = Object.keys(months).sort();
      values = labels.map(function (m) { return months[m]; });
    }
    lw.barChart(canvas, labels, [{ label: "posts", data: values, backgroundColor: lw.color(0) }]);
    root.dataset.timelineReady = "yes";
  }

  function addNode(kind, value, center) {
    var id = nodeId(kind, value);
    if (cy.getElementById(id).length) { return false; }
    cy.add({ group: "nodes", data: { id: id, kind: kind, value: value,
                                     label: value.length > 28 ? value.slice(0, 27) + "…" : value,
                                     color: center ? "#111827" : (KIND_COLORS[kind] || "#64748b") } });
    return true;
  }

  function addEdge(a, b, count) {
    var id = a < b ? a + "|" + b : b + "|" + a;
    if (cy.getElementById(id).length) { return; }
    cy.add({ group: "edges", data: { id: id, source: a, target: b, weight: count } });
  }

  function grow(kind, value, seenWith) {
    var from = nodeId(kind, value);
    var added = 0;
    seenWith.forEach(function (other) {
      var to = nodeId(other.kind, other.value);
      if (!cy.getElementById(to).length) {
        if (added >= MAX_NEW) { return; }
        addNode(other.kind, other.value, false);
        added += 1;
      }
      addEdge(from, to, other.count);
    });
    expanded[from] = true;
    cy.getElementById(from).addClass("expanded");
    cy.layout({ name: "cose", animate: false, randomize: !laidOut, fit: true, padding: 40,
                nodeRepulsion: function () { return 400000; },
                idealEdgeLength: function () { return 110; } }).run();
    laidOut = true;
    root.dataset.graphNodes = String(cy.nodes().length);
    root.dataset.graphEdges = String(cy.edges().length);
    say(cy.nodes().length + " contact points, " + cy.edges().length + " links" +
        (added >= MAX_NEW ? " (the busiest " + MAX_NEW + " added)" : ""));
  }

  function expand(kind, value) {
    var id = nodeId(kind, value);
    if (expanded[id]) { say("already expanded: " + value); return Promise.resolve(); }
    say("expanding " + value + "…");
    return lw.getJSON(apiUrl(kind, value)).then(function (data) {
      addNode(kind, value, false);
      grow(data.kind, data.value, data.seen_with);
    }).catch(function (error) { say("could not expand: " + error.message); });
  }

  function drawGraph(data) {
    if (typeof window.cytoscape === "undefined") {
      say("graph library missing: run `npm ci --prefix web`");
      return;
    }
    cy = window.cytoscape({
      container: document.getElementById("graph"),
      style: [
        { selector: "node", style: { "background-color": "data(color)", label: "data(label)",
                                     "font-size": 10, color: "#111827", "text-valign": "bottom",
                                     "text-margin-y": 3, width: 16, height: 16 } },
        { selector: "node.expanded", style: { "border-width": 3, "border-color": "#f59e0b" } },
        { selector: "edge", style: { width: "mapData(weight, 1, 10, 1, 6)",
                                     "line-color": "#cbd5e1", "curve-style": "haystack" } }
      ]
    });
    addNode(data.kind, data.value, true);
    grow(data.kind, data.value, data.seen_with);
    cy.on("tap", "node", function (event) {
      var node = event.target;
      expand(node.data("kind"), node.data("value"));
    });
    cy.on("dbltap", "node", function (event) {
      var node = event.target;
      window.location.assign(pageUrl(node.data("kind"), node.data("value")));
    });
  }

  document.querySelectorAll("button.expand").forEach(function (button) {
    button.addEventListener("click", function () {
      if (!cy) { return; }
      expand(button.dataset.kind, button.dataset.value);
    });
  });

  lw.getJSON(apiUrl(root.dataset.kind, root.dataset.value)).then(function (data) {
    drawTimeline(data.timeline);
    drawGraph(data);
  }).catch(function (error) { say("could not load the network: " + error.message); });
})();
