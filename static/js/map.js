// Leaflet maps drawn from the project's own static files: Natural Earth 1:50m countries as the
// basemap (no tile server), contacts as circles sized by count, itineraries as ordered lines.
// Configuration and data come from json_script elements; nothing here is inline in a page (CSP).
(function () {
  "use strict";

  var COLORS = { outbound: "#c2410c", inbound: "#7a5aa6", remote: "#6b7280" };
  var DPRK_NUMERIC = "408";
  var ANTARCTICA_NUMERIC = "010";

  // Natural Earth rings that cross the antimeridian (Chukotka, Fiji) jump from +180 to -180 and
  // would be drawn as bands across the world: shift each point to stay next to the previous one.
  function unwrapRing(ring) {
    var out = [], offset = 0;
    for (var i = 0; i < ring.length; i++) {
      if (i > 0) {
        var jump = ring[i][0] + offset - out[i - 1][0];
        if (jump > 180) { offset -= 360; } else if (jump < -180) { offset += 360; }
      }
      out.push([ring[i][0] + offset, ring[i][1]]);
    }
    return out;
  }

  function unwrapGeometry(g) {
    if (!g) { return g; }
    if (g.type === "Polygon") { g.coordinates = g.coordinates.map(unwrapRing); }
    if (g.type === "MultiPolygon") {
      g.coordinates = g.coordinates.map(function (poly) { return poly.map(unwrapRing); });
    }
    return g;
  }

  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function addBasemap(map, url) {
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (topo) {
        var land = topojson.feature(topo, topo.objects.countries);
        land.features = land.features.filter(function (f) { return String(f.id) !== ANTARCTICA_NUMERIC; });
        land.features.forEach(function (f) { unwrapGeometry(f.geometry); });
        L.geoJSON(land, {
          interactive: false,
          style: function (f) {
            var dprk = String(f.id) === DPRK_NUMERIC;
            return {
              color: "#aab4c0", weight: 0.6, fillOpacity: 1,
              fillColor: dprk ? "#f2dcc9" : "#f7f5f0"
            };
          }
        }).addTo(map);
      });
  }

  function placePopup(p) {
    var box = el("div", { "class": "popup" });
    box.appendChild(el("h3", {}, p.name));
    box.appendChild(el("div", { "class": "muted" }, p.count + (p.count === 1 ? " contact" : " contacts")));
    var list = el("ul");
    (p.contacts || []).forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", { "class": "date" }, c.date));
      var a = el("a", { href: c.url }, c.title);
      li.appendChild(a);
      list.appendChild(li);
    });
    box.appendChild(list);
    if (p.place_id && p.count > (p.contacts || []).length) {
      var params = new URLSearchParams(window.location.search);
      params.set("place", p.place_id);
      box.appendChild(el("a", { href: "/?" + params.toString() }, "All " + p.count + " on the timeline →"));
    }
    return box;
  }

  function linePopup(p) {
    var box = el("div", { "class": "popup" });
    var h = el("h3");
    h.appendChild(el("a", { href: p.url }, p.title));
    box.appendChild(h);
    box.appendChild(el("div", { "class": "muted" }, (p.start_date || "") + " · " + p.stops.join(" → ")));
    return box;
  }

  function drawData(map, data, options) {
    var bounds = L.latLngBounds([]);
    var markers = 0, lines = 0;
    data.features.forEach(function (f) {
      var p = f.properties, g = f.geometry;
      if (g.type === "LineString") {
        var latlngs = g.coordinates.map(function (c) { return [c[1], c[0]]; });
        var color = COLORS[p.direction] || COLORS.outbound;
        L.polyline(latlngs, {
          color: color, weight: 2.5, opacity: 0.85, dashArray: p.direction === "inbound" ? "6 5" : null,
          className: "itinerary itinerary-" + p.delegation_id
        }).bindPopup(linePopup(p)).bindTooltip(p.title, { sticky: true }).addTo(map);
        latlngs.forEach(function (ll) { bounds.extend(ll); });
        lines += 1;
      } else if (g.type === "Point") {
        var ll = [g.coordinates[1], g.coordinates[0]];
        if (options.numbered && (p.kind === "stop" || p.kind === "origin")) {
          var label = p.kind === "origin" ? "●" : String(p.number);
          L.marker(ll, {
            icon: L.divIcon({ className: "stop-label " + p.kind, html: label, iconSize: null }),
            title: p.name, keyboard: false
          }).bindTooltip(p.name).addTo(map);
        } else {
          var radius = Math.min(28, 5 + 3.2 * Math.sqrt(p.count));
          L.circleMarker(ll, {
            radius: radius, color: "#1d4f91", weight: 1.5, fillColor: "#1d4f91", fillOpacity: 0.45,
            className: "place-marker"
          }).bindPopup(placePopup(p)).bindTooltip(p.name + " · " + p.count).addTo(map);
        }
        bounds.extend(ll);
        markers += 1;
      }
    });
    map.getContainer().setAttribute("data-markers", String(markers));
    map.getContainer().setAttribute("data-lines", String(lines));
    if (bounds.isValid()) {
      // No zoom animation: the map opens at its data's extent, and is ready (data-ready) when drawn.
      map.fitBounds(bounds.pad(0.25), { maxZoom: options.maxZoom || 5, animate: false });
    }
  }

  function legend(map) {
    var control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      var box = el("div", { "class": "map-legend" });
      var a = el("div"); a.appendChild(el("span", { "class": "dot" })); a.appendChild(document.createTextNode("Contacts at a place"));
      var b = el("div"); b.appendChild(el("span", { "class": "line" })); b.appendChild(document.createTextNode("DPRK delegation abroad"));
      var c = el("div"); c.appendChild(el("span", { "class": "line inbound" })); c.appendChild(document.createTextNode("Foreign delegation to the DPRK"));
      box.appendChild(a); box.appendChild(b); box.appendChild(c);
      return box;
    };
    control.addTo(map);
  }

  function init() {
    var container = document.getElementById("map");
    if (!container || typeof L === "undefined") { return; }
    var config = readJson("map-config") || {};
    var map = L.map(container, { minZoom: 1, maxZoom: 9, worldCopyJump: false, zoomSnap: 0.5 });
    map.setView([35, 110], 3);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("Natural Earth");
    var numbered = container.getAttribute("data-mode") === "delegation";
    if (!numbered) { legend(map); }
    var basemap;
    if (config.tiles) {
      // A tile server was configured (MAP_TILE_URL): use it instead of the offline basemap.
      L.tileLayer(config.tiles, { attribution: config.tiles_attribution || "", maxZoom: 18 }).addTo(map);
      basemap = Promise.resolve();
    } else {
      basemap = addBasemap(map, config.basemap);
    }
    var data = config.data ? Promise.resolve(config.data)
      : fetch(config.geojson, { credentials: "same-origin" }).then(function (r) { return r.json(); });
    Promise.all([basemap, data]).then(function (results) {
      drawData(map, results[1], { numbered: numbered, maxZoom: numbered ? 5 : 5 });
      container.setAttribute("data-ready", "true");
    }).catch(function (err) {
      container.setAttribute("data-error", String(err));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
