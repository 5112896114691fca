/* The public report form: the map pin, "use my location", the description
 * counter and a check of the chosen photos before anything is sent.
 *
 * The hidden lat/lng inputs are what is sent; the map and the location button
 * only write them. Without JavaScript the address text alone still works.
 * Messages come translated from the form's data-msg-* attributes.
 */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var msg = form.dataset;
  var lat = document.getElementById("f-lat");
  var lng = document.getElementById("f-lng");
  var located = document.getElementById("located");
  var clear = document.getElementById("clear-pin");

  // --- description counter ----------------------------------------------------------
  var description = document.getElementById("f-description");
  var used = document.getElementById("description-used");
  if (description && used) {
    var count = function () { used.textContent = description.value.length; };
    description.addEventListener("input", count);
    count();
  }

  // --- photos: at most N, each at most 10 MB (the server checks again) ----------------
  var inputs = [document.getElementById("f-camera"), document.getElementById("f-photos")].filter(Boolean);
  var chosen = document.getElementById("chosen-photos");
  var photoErrors = document.getElementById("photo-errors");
  var maxPhotos = parseInt(msg.maxPhotos, 10);
  var maxBytes = parseInt(msg.maxPhotoBytes, 10);
  function photoProblem() {
    var files = [];
    inputs.forEach(function (input) { Array.prototype.push.apply(files, input.files || []); });
    chosen.innerHTML = "";
    files.forEach(function (file) {
      var li = document.createElement("li");
      var icon = document.createElement("i");
      icon.className = "bi bi-image me-1";
      icon.setAttribute("aria-hidden", "true");
      var size = file.size < 1048576 ? Math.max(1, Math.round(file.size / 1024)) + " KB" : (file.size / 1048576).toFixed(1) + " MB";
      li.appendChild(icon);
      li.appendChild(document.createTextNode(file.name + " (" + size + ")"));
      chosen.appendChild(li);
    });
    if (files.length > maxPhotos) return msg.msgTooMany;
    var big = files.filter(function (file) { return file.size > maxBytes; });
    if (big.length) return msg.msgTooBig.replace("%s", big[0].name);
    return "";
  }
  function showPhotoProblem() {
    var problem = photoProblem();
    photoErrors.innerHTML = "";
    if (problem) {
      var div = document.createElement("div");
      div.className = "invalid-feedback d-block field-error";
      div.textContent = problem;
      photoErrors.appendChild(div);
    }
    return problem;
  }
  inputs.forEach(function (input) { input.addEventListener("change", showPhotoProblem); });
  form.addEventListener("submit", function (event) {
    if (showPhotoProblem()) {
      event.preventDefault();
      photoErrors.scrollIntoView({ block: "center" });
    }
  });

  // --- the map ------------------------------------------------------------------------
  var box = document.getElementById("report-map");
  if (!box || typeof L === "undefined") return;
  var map = L.map(box, { attributionControl: true, tap: true });
  var tiles = box.dataset.tileUrl;
  if (tiles) L.tileLayer(tiles, { maxZoom: 19, attribution: box.dataset.tileAttribution || "" }).addTo(map);
  if (box.dataset.bounds) {
    var b = box.dataset.bounds.split(",").map(Number);
    var area = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
    L.rectangle(area, { color: "#0d6efd", weight: 1, fillOpacity: 0.04, dashArray: "4 4", interactive: false }).addTo(map);
    map.fitBounds(area);
  } else {
    map.setView([30.2, 120.1], 12);
  }
  var marker = null;

  function describe() {
    if (!lat.value) { located.textContent = ""; return; }
    var url = form.dataset.locateUrl + "?lat=" + encodeURIComponent(lat.value) + "&lng=" + encodeURIComponent(lng.value);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) { located.innerHTML = html; })
      .catch(function () { located.textContent = ""; });
  }
  function place(point, pan) {
    if (!marker) {
      marker = L.marker(point, { draggable: true, title: box.getAttribute("aria-label") }).addTo(map);
      marker.on("dragend", function () { write(marker.getLatLng()); });
    } else {
      marker.setLatLng(point);
    }
    if (pan) map.setView(point, Math.max(map.getZoom(), 16));
  }
  function write(point) {
    lat.value = point.lat.toFixed(6);
    lng.value = point.lng.toFixed(6);
    clear.hidden = false;
    describe();
  }
  map.on("click", function (event) { place(event.latlng, false); write(event.latlng); });
  clear.addEventListener("click", function () {
    if (marker) { map.removeLayer(marker); marker = null; }
    lat.value = lng.value = "";
    clear.hidden = true;
    located.textContent = "";
  });

  var me = document.getElementById("locate-me");
  me.addEventListener("click", function () {
    if (!navigator.geolocation) { located.textContent = msg.msgNoGeo; return; }
    located.textContent = msg.msgLocating;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        var point = L.latLng(position.coords.latitude, position.coords.longitude);
        place(point, true);
        write(point);
      },
      function () { located.textContent = msg.msgGeoFailed; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  var start = parseFloat(lat.value), startLng = parseFloat(lng.value);
  if (isFinite(start) && isFinite(startLng)) {
    place(L.latLng(start, startLng), true);
    describe();
  }
})();
