/* Hotline intake (受理): the map pin and the keyboard.
 *
 * The latitude/longitude inputs are the source of truth: clicking the map or
 * dragging the marker writes them and fires "change", which makes htmx ask
 * work:intake_locate (grid / street / district) and work:intake_duplicates.
 * Typing coordinates moves the marker. Without tiles (no internet, or no tile
 * server configured) the map shows the managed area's outline and the unit
 * grids around the pin, which the locate answer carries as GeoJSON.
 */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  var lat = document.getElementById("f-lat");
  var lng = document.getElementById("f-lng");
  var save = document.getElementById("save");

  // --- keyboard: Enter moves on, Ctrl+Enter saves --------------------------------
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return !el.disabled && el.type !== "hidden" && el.tabIndex >= 0 && el.offsetParent !== null &&
        !(el.tagName === "BUTTON" && el.name === "duplicate_of");
    });
  }
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) return;
    var el = event.target;
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      form.requestSubmit(save);
      return;
    }
    if (el.tagName !== "INPUT" || el.type === "file" || el.type === "submit") return;
    event.preventDefault();  // never submit half a form, nor "click" a duplicate's link button
    var list = fields();
    var next = list[list.indexOf(el) + 1];
    if (!next || next === save) form.requestSubmit(save);
    else next.focus();
  });

  // --- the map -------------------------------------------------------------------
  var box = document.getElementById("intake-map");
  if (!box || typeof L === "undefined") return;
  var map = L.map(box, { keyboard: false, attributionControl: true });
  var tiles = box.dataset.tileUrl;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: box.dataset.tileAttribution || "" }).addTo(map);
  var area = null;
  if (box.dataset.bounds) {
    var b = box.dataset.bounds.split(",").map(Number);
    area = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
    L.rectangle(area, { color: "#0d6efd", weight: 1, fill: false, dashArray: "4 4", interactive: false }).addTo(map);
    map.fitBounds(area);
  } else {
    map.setView([30.2, 120.1], 12);
  }
  // Keyboard users type coordinates; the map's own controls stay out of the tab order.
  box.querySelectorAll("a, [tabindex]").forEach(function (el) { el.setAttribute("tabindex", "-1"); });
  box.setAttribute("tabindex", "-1");

  var grids = L.geoJSON(null, {
    interactive: false,
    style: function (f) {
      return f.properties.current
        ? { color: "#198754", weight: 2, fillOpacity: 0.25 }
        : { color: "#6c757d", weight: 1, fillOpacity: 0.05 };
    }
  }).addTo(map);
  var marker = null;

  function current() {
    var a = parseFloat(lat.value), o = parseFloat(lng.value);
    return isFinite(a) && isFinite(o) ? L.latLng(a, o) : null;
  }
  function place(point, pan) {
    if (!marker) {
      marker = L.marker(point, { draggable: true, keyboard: false, title: box.getAttribute("aria-label") }).addTo(map);
      marker.on("dragend", function () { write(marker.getLatLng()); });
    } else {
      marker.setLatLng(point);
    }
    if (pan) map.setView(point, Math.max(map.getZoom(), 16));
  }
  function write(point) {
    lat.value = point.lat.toFixed(6);
    lng.value = point.lng.toFixed(6);
    lat.dispatchEvent(new Event("change", { bubbles: true }));
  }
  map.on("click", function (event) { place(event.latlng, false); write(event.latlng); });
  [lat, lng].forEach(function (input) {
    input.addEventListener("change", function () {
      var point = current();
      if (point) place(point, true);
    });
  });
  function drawGrids() {
    var data = document.getElementById("nearby-grids");
    grids.clearLayers();
    if (data) grids.addData(JSON.parse(data.textContent));
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "locate-result") drawGrids();
  });
  var start = current();
  if (start) place(start, true);
  drawGrids();
})();
