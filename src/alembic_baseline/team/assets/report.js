// Draws the revision graph of report.html: layout by dagre (vendored, see VENDORED.md), drawn
// as SVG here. Data: the JSON in #report-data (written by alembic_baseline/team/report_html.py).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var status = document.getElementById("graph-status");
  var g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 34, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(function () { return {}; });

  var where = {};  // revision id -> names of the databases recorded there
  data.databases.forEach(function (db) {
    db.revisions.forEach(function (rev) { (where[rev] = where[rev] || []).push(db.name); });
  });
  var live = {};
  data.nodes.forEach(function (n) { if (n.kinds.indexOf("archived") < 0) live[n.revision] = true; });

  data.nodes.forEach(function (n) {
    var message = n.message.length > 48 ? n.message.slice(0, 47) + "\u2026" : n.message;
    var label = n.revision + (message ? "  " + message : "");
    g.setNode(n.id, { width: 18 + label.length * 7.4, height: 26, label: label, info: n });
  });
  data.edges.forEach(function (e, i) { g.setEdge(e.source, e.target, { kind: e.kind }, "e" + i); });
  var started = performance.now();
  dagre.layout(g);
  var layoutMs = Math.round(performance.now() - started);

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }
  var size = g.graph();
  var svg = el("svg", { id: "revision-graph", width: size.width + 260, height: size.height,
                        viewBox: "0 0 " + (size.width + 260) + " " + size.height });
  var defs = el("defs", {}, svg);
  var marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5,
                              markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M 0 0 L 10 5 L 0 10 z", "class": "arrow" }, marker);

  var edges = el("g", { "class": "edges" }, svg);
  g.edges().forEach(function (e) {
    var edge = g.edge(e);
    var d = edge.points.map(function (p, i) { return (i ? "L" : "M") + p.x.toFixed(1) + " " + p.y.toFixed(1); });
    el("path", { d: d.join(" "), "class": "edge " + edge.kind, "data-source": e.v,
                 "data-target": e.w, "marker-end": "url(#arrow)" }, edges);
  });

  var nodes = el("g", { "class": "nodes" }, svg);
  g.nodes().forEach(function (id) {
    var n = g.node(id), info = n.info;
    var group = el("g", { "class": "node " + info.kinds.join(" "), id: "rev-" + id,
                          "data-revision": info.revision,
                          transform: "translate(" + (n.x - n.width / 2) + "," + (n.y - n.height / 2) + ")" }, nodes);
    el("title", {}, group).textContent = info.revision + " (" + (info.kinds.join(", ") || "revision") + ")\n"
      + info.message + "\n" + info.file;
    el("rect", { width: n.width, height: n.height, rx: 5, ry: 5 }, group);
    el("text", { x: 9, y: 17 }, group).textContent = n.label;
    var dbs = where[info.revision];
    var here = info.kinds.indexOf("archived") < 0 || !live[info.revision];
    if (dbs && here) {
      var tag = el("g", { "class": "db-marker", "data-revision": info.revision,
                          transform: "translate(" + (n.width + 10) + ",0)" }, group);
      var text = "\u25C6 " + dbs.join(", ");
      el("rect", { width: 12 + text.length * 7.4, height: n.height, rx: 12, ry: 12 }, tag);
      el("text", { x: 7, y: 17 }, tag).textContent = text;
    }
  });
  document.getElementById("graph").appendChild(svg);
  status.textContent = data.nodes.length + " revisions, " + data.edges.length + " edges drawn.";
  document.body.setAttribute("data-layout-ms", String(layoutMs));
  document.body.setAttribute("data-rendered", "yes");
})();
