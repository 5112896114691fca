/* The route editor: pick a route's grids, in walking order, on a map.
   The text field #id_grids (grid codes, comma-separated, in order) is the truth the
   form submits; the map and the numbered list only read and write it, so a person
   typing codes with the keyboard and a person clicking grids end with the same form.
   No tiles are needed: the district's grids (GeoJSON) are the map; a tile layer is
   added only when the server configures one (MAP_TILE_URL). */
(function () {
  "use strict";

  var CHOSEN = { color: "#0d6efd", weight: 3, fillColor: "#0d6efd", fillOpacity: 0.35 };
  var FREE = { color: "#6c757d", weight: 1, fillColor: "#adb5bd", fillOpacity: 0.12 };

  function init() {
    var holder = document.getElementById("route-map");
    var field = document.getElementById("id_grids");
    var district = document.getElementById("id_district");
    var config = JSON.parse(document.getElementById("route-map-data").textContent);
    var list = document.getElementById("route-stops");
    var empty = document.getElementById("route-stops-empty");
    var template = document.getElementById("route-stop-template");
    var map = null;
    var gridLayer = null;
    var numbers = null;
    var layers = {}; // grid code -> Leaflet layer

    function codes() {
      return field.value.split(/[\s,，|;；]+/).filter(Boolean);
    }

    function setCodes(next) {
      field.value = next.join(",");
      render();
    }

    function toggle(code) {
      var current = codes();
      var at = current.indexOf(code);
      if (at >= 0) current.splice(at, 1);
      else current.push(code);
      setCodes(current);
    }

    function move(index, by) {
      var current = codes();
      var to = index + by;
      if (to < 0 || to >= current.length) return;
      var code = current[index];
      current[index] = current[to];
      current[to] = code;
      setCodes(current);
    }

    function renderList(current) {
      list.replaceChildren();
      current.forEach(function (code, index) {
        var item = template.content.firstElementChild.cloneNode(true);
        item.dataset.code = code;
        item.querySelector(".stop-code").textContent = code;
        item.querySelector(".stop-up").disabled = index === 0;
        item.querySelector(".stop-down").disabled = index === current.length - 1;
        item.querySelector(".stop-up").addEventListener("click", function () { move(index, -1); });
        item.querySelector(".stop-down").addEventListener("click", function () { move(index, 1); });
        item.querySelector(".stop-remove").addEventListener("click", function () { toggle(code); });
        list.appendChild(item);
      });
      empty.hidden = current.length > 0;
    }

    function renderMap(current) {
      if (!map) return;
      numbers.clearLayers();
      Object.keys(layers).forEach(function (code) {
        var at = current.indexOf(code);
        var layer = layers[code];
        layer.setStyle(at >= 0 ? CHOSEN : FREE);
        var path = layer.getElement && layer.getElement();
        if (path) path.setAttribute("data-order", at >= 0 ? String(at + 1) : "");
        if (at >= 0) {
          // Not interactive: a click on the number reaches the grid under it.
          L.marker(layer.getBounds().getCenter(), {
            interactive: false,
            keyboard: false,
            icon: L.divIcon({ className: "route-number", html: String(at + 1), iconSize: null }),
          }).addTo(numbers);
        }
      });
    }

    function render() {
      var current = codes();
      renderList(current);
      renderMap(current);
    }

    function load() {
      var params = new URLSearchParams({ geojson: "1", district: district.value, codes: codes().join(",") });
      holder.dataset.ready = "false";
      fetch(config.url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (answer) { return answer.json(); })
        .then(draw);
    }

    function draw(collection) {
      if (!map) {
        map = L.map(holder, { attributionControl: Boolean(config.tiles) });
        if (config.tiles) {
          L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution || "" }).addTo(map);
        }
        map.setView([30.2, 120.1], 12); // vector layers need a view before they are added
        numbers = L.layerGroup().addTo(map);
      }
      if (gridLayer) gridLayer.remove();
      layers = {};
      gridLayer = L.geoJSON(collection, {
        style: function (feature) {
          return Object.assign({ className: "route-grid grid-" + feature.properties.code }, FREE);
        },
        onEachFeature: function (feature, layer) {
          var code = feature.properties.code;
          layers[code] = layer;
          layer.bindTooltip(feature.properties.name ? feature.properties.name + " " + code : code);
          layer.on("click", function () { toggle(code); });
        },
      }).addTo(map);
      if (collection.features.length) map.fitBounds(gridLayer.getBounds().pad(0.1));
      Object.keys(layers).forEach(function (code) {
        var path = layers[code].getElement && layers[code].getElement();
        if (path) path.setAttribute("data-code", code);
      });
      render();
      holder.dataset.ready = "true";
    }

    field.addEventListener("input", render);
    district.addEventListener("change", load);
    render();
    if (typeof L !== "undefined") load();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("route-map")) init();
  });
})();
