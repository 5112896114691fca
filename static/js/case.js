/* The case page: the map of the case's point and grid, and the photo viewer.
   The map needs no tiles: the grid outline and the point are drawn on a blank
   background, and a tile layer is added only when the server configures one
   (MAP_TILE_URL), so the page works without internet. */
(function () {
  "use strict";

  function drawMap() {
    var holder = document.getElementById("case-map");
    var source = document.getElementById("case-map-data");
    if (!holder || !source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(holder, { scrollWheelZoom: false, attributionControl: Boolean(data.tiles) });
    if (data.tiles) {
      L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
    }
    var point = [data.lat, data.lng];
    map.setView(point, 17); // vector layers need a view before they are added
    var bounds = L.latLngBounds([point, point]);
    if (data.grid) {
      var grid = L.geoJSON(data.grid, { style: { color: "#0d6efd", weight: 2, fillOpacity: 0.08 } }).addTo(map);
      bounds.extend(grid.getBounds());
    }
    L.circleMarker(point, { radius: 8, color: "#dc3545", weight: 3, fillColor: "#dc3545", fillOpacity: 0.6 })
      .addTo(map);
    map.fitBounds(bounds.pad(0.6), { maxZoom: 18 });
    holder.dataset.ready = "true";
  }

  function wireViewer() {
    var viewer = document.getElementById("photo-viewer");
    if (!viewer) return;
    viewer.addEventListener("show.bs.modal", function (event) {
      var thumb = event.relatedTarget;
      if (!thumb) return;
      var url = thumb.getAttribute("data-photo");
      var image = document.getElementById("photo-viewer-image");
      image.src = url;
      image.alt = thumb.getAttribute("data-caption") || "";
      document.getElementById("photo-viewer-title").textContent = thumb.getAttribute("data-caption") || "";
      document.getElementById("photo-viewer-link").href = url;
    });
    // The thumbnail is also a plain link to the full photo (no script: it still opens).
    document.querySelectorAll("a.case-photo").forEach(function (link) {
      link.addEventListener("click", function (event) { event.preventDefault(); });
    });
  }

  // A link such as /work/cases/N/#act-dispatch-panel (the queue's row actions) opens that action.
  function openLinkedAction() {
    var panel = window.location.hash && document.getElementById(window.location.hash.slice(1));
    if (!panel || !panel.classList.contains("accordion-collapse") || typeof bootstrap === "undefined") return;
    bootstrap.Collapse.getOrCreateInstance(panel, { toggle: false }).show();
    var first = panel.querySelector("input, select, textarea, button");
    if (first) first.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawMap();
    wireViewer();
    openLinkedAction();
  });
})();
