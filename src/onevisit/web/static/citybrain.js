// City Brain page: poll the live simulation every second and update lights, queues and lanes.
// The page is complete without this script; it only keeps it current.
(function () {
  "use strict";
  var root = document.getElementById("citybrain-live");
  if (!root || !window.fetch) { return; }
  var endpoint = root.getAttribute("data-endpoint");

  function laneColour(q) {
    if (!q) { return "#b1b4b6"; }
    var t = Math.min(q, 10) / 10;
    return "rgb(" + Math.round(244 - 32 * t) + "," + Math.round(119 - 100 * t) + ",56)";
  }

  function set(el, field, text) {
    var node = el.querySelector('[data-field="' + field + '"]');
    if (node && node.textContent !== text) { node.textContent = text; }
  }

  function update(doc) {
    if (!doc.available) { return; }
    var status = document.getElementById("live-status");
    if (status) {
      set(status, "time", String(Math.round(doc.time)));
      set(status, "status", doc.stale ? status.getAttribute("data-stopped") || "" : status.getAttribute("data-running") || "");
    }
    var lanes = {};
    doc.signals.forEach(function (s) {
      var row = root.querySelector('[data-signal-row="' + CSS.escape(s.id) + '"]');
      if (row) {
        set(row, "phase", String(s.phase + 1));
        set(row, "change", s.in_transition ? root.getAttribute("data-changing") || "" : "");
        set(row, "state", s.state);
        set(row, "age", String(Math.round(s.phase_age)));
        set(row, "queue", String(Math.round(s.queue)));
      }
      var dot = root.querySelector('[data-signal="' + CSS.escape(s.id) + '"]');
      if (dot) { dot.setAttribute("fill", s.in_transition ? "#ffdd00" : "#00703c"); }
      Object.keys(s.lanes).forEach(function (l) { lanes[l] = s.lanes[l]; });
    });
    root.querySelectorAll("[data-lane]").forEach(function (el) {
      el.setAttribute("stroke", laneColour(lanes[el.getAttribute("data-lane")] || 0));
    });
  }

  function poll() {
    fetch(endpoint, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (doc) { if (doc) { update(doc); } })
      .catch(function () {})
      .then(function () { window.setTimeout(poll, 1000); });
  }
  window.setTimeout(poll, 1000);
}());
