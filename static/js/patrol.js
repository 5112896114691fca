/* The patrol page on the phone: the map, the track and problem reports.

   Nothing the inspector records may be lost to a reload or a bad connection:
   - every position gets a client_id and goes into a queue in localStorage
     (one per patrol); batches are POSTed as JSON and leave the queue only after
     a 200 (the server skips a client_id it already has, so a re-sent batch is
     harmless); failures are retried with a growing pause;
   - a report (with its photos) is kept in IndexedDB (or, without it, in the
     page) until the server has answered; a network error or a 5xx keeps it in
     the "未发送" list and it is retried with the same client_id, which the
     server turns into the case already made. */
(function () {
  "use strict";

  var root, map, track, gridLayer, here, state;
  var BATCH = 100;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // --- the map -------------------------------------------------------------------------

  function gridStyle(feature) {
    var visited = feature.properties.visited;
    return { color: visited ? "#198754" : "#0d6efd", weight: 2, fillOpacity: visited ? 0.3 : 0.06 };
  }

  function drawMap(data) {
    var holder = document.getElementById("patrol-map");
    if (!holder || typeof L === "undefined") return;
    map = L.map(holder, { attributionControl: Boolean(data.tiles) });
    if (data.tiles) L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
    map.setView([0, 0], 2);
    gridLayer = L.geoJSON({ type: "FeatureCollection", features: data.grids }, {
      style: gridStyle,
      onEachFeature: function (feature, layer) {
        var p = feature.properties;
        layer.bindTooltip((p.position ? p.position + ". " : "") + p.code);
      },
    }).addTo(map);
    track = L.polyline(data.track, { color: "#dc3545", weight: 4 }).addTo(map);
    var bounds = L.latLngBounds([]);
    if (data.grids.length) bounds.extend(gridLayer.getBounds());
    if (data.track.length) bounds.extend(track.getBounds());
    if (!bounds.isValid() && data.bounds) bounds = L.latLngBounds(data.bounds);
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1), { maxZoom: 18 });
    if (data.track.length) showHere(data.track[data.track.length - 1]);
    map.on("click", function (event) {
      // A tap on the map fills the manual point (and opens it).
      var box = document.getElementById("manual-point-box");
      if (!box) return;
      box.open = true;
      document.getElementById("manual-lat").value = event.latlng.lat.toFixed(6);
      document.getElementById("manual-lng").value = event.latlng.lng.toFixed(6);
    });
    holder.dataset.ready = "true";
  }

  function showHere(latlng) {
    if (!map) return;
    if (!here) {
      here = L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: "#0d6efd", fillOpacity: 1 });
      here.addTo(map);
    } else {
      here.setLatLng(latlng);
    }
  }

  function markVisited(codes) {
    var set = {};
    codes.forEach(function (c) { set[c] = true; });
    if (gridLayer) {
      gridLayer.eachLayer(function (layer) {
        if (set[layer.feature.properties.code]) {
          layer.feature.properties.visited = true;
          layer.setStyle(gridStyle(layer.feature));
        }
      });
    }
    document.querySelectorAll(".route-stop").forEach(function (badge) {
      if (set[badge.dataset.code] && badge.dataset.visited !== "true") {
        badge.dataset.visited = "true";
        badge.className = "badge text-bg-success route-stop";
        badge.insertAdjacentHTML("beforeend", ' <i class="bi bi-check-lg"></i>');
      }
    });
  }

  // --- the track queue -------------------------------------------------------------------

  function queueKey() { return "patrol-queue-" + root.dataset.patrol; }

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey()) || "[]"); } catch (e) { return []; }
  }

  function saveQueue(queue) {
    try { localStorage.setItem(queueKey(), JSON.stringify(queue)); } catch (e) { /* full: kept in memory */ }
    state.memoryQueue = queue;
  }

  function currentQueue() {
    var stored = loadQueue();
    return stored.length || !state.memoryQueue ? stored : state.memoryQueue;
  }

  function showPending() {
    var badge = document.getElementById("pending");
    if (!badge) return;
    var n = currentQueue().length;
    badge.textContent = fmt(root.dataset.msgPending, { n: n });
    badge.classList.toggle("d-none", n === 0);
  }

  function addPoint(lat, lng, accuracy, source) {
    var point = {
      client_id: newId(), lat: lat, lng: lng, recorded_at: new Date().toISOString(),
      accuracy_m: accuracy == null ? null : Math.round(accuracy), source: source,
    };
    var queue = currentQueue();
    queue.push(point);
    saveQueue(queue);
    state.last = [lat, lng];
    if (track) track.addLatLng([lat, lng]);
    showHere([lat, lng]);
    prefillReport(lat, lng);
    showPending();
    flush();
  }

  function flush() {
    if (state.sending) return;
    var batch = currentQueue().slice(0, BATCH);
    if (!batch.length) return;
    state.sending = true;
    fetch(root.dataset.pointsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ points: batch }),
    }).then(function (response) {
      if (response.status === 200) return response.json();
      // 4xx other than a refused batch will not improve by waiting; but the points
      // stay queued (never silently dropped) and the pause grows.
      throw new Error("HTTP " + response.status);
    }).then(function (body) {
      var sent = {};
      batch.forEach(function (p) { sent[p.client_id] = true; });
      saveQueue(currentQueue().filter(function (p) { return !sent[p.client_id]; }));
      state.backoff = 0;
      state.sending = false;
      updateStats(body);
      showPending();
      if (currentQueue().length) flush();
    }).catch(function () {
      state.sending = false;
      state.backoff = Math.min(state.backoff ? state.backoff * 2 : 2000, 60000);
      showPending();
      window.setTimeout(flush, state.backoff);
    });
  }

  function updateStats(body) {
    var coverage = document.getElementById("coverage");
    if (coverage) {
      coverage.textContent = body.coverage.total
        ? fmt(root.dataset.msgCoverage, { v: body.coverage.visited, t: body.coverage.total })
        : fmt(root.dataset.msgVisited, { v: body.visited.length });
    }
    document.getElementById("point-count").textContent = body.point_count;
    document.getElementById("distance").textContent = body.distance_km;
    markVisited(body.visited);
  }

  // --- positions -------------------------------------------------------------------------

  function gpsState(text, bad) {
    var holder = document.getElementById("gps-state");
    if (!holder) return;
    holder.textContent = text;
    holder.className = bad ? "text-danger" : "text-body-secondary";
  }

  function startTracking() {
    var interval = (parseInt(root.dataset.interval, 10) || 15) * 1000;
    if (!navigator.geolocation) return locationFailed();
    navigator.geolocation.watchPosition(function (position) {
      var now = Date.now();
      gpsState("GPS ±" + Math.round(position.coords.accuracy) + " m", false);
      if (state.lastGps && now - state.lastGps < interval) return;
      state.lastGps = now;
      addPoint(position.coords.latitude, position.coords.longitude, position.coords.accuracy, "gps");
    }, locationFailed, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
  }

  function locationFailed() {
    gpsState(root.dataset.msgDenied, true);
    var box = document.getElementById("manual-point-box");
    if (box) box.open = true;
  }

  function wireManual() {
    var form = document.getElementById("manual-point");
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var lat = parseFloat(document.getElementById("manual-lat").value);
      var lng = parseFloat(document.getElementById("manual-lng").value);
      var ok = isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;
      document.getElementById("manual-error").classList.toggle("d-block", !ok);
      if (ok) addPoint(lat, lng, null, "manual");
    });
  }

  function tickElapsed() {
    var holder = document.getElementById("elapsed");
    var started = Date.parse(root.dataset.started);
    if (!holder || isNaN(started)) return;
    var minutes = Math.max(0, Math.floor((Date.now() - started) / 60000));
    holder.textContent = fmt(root.dataset.msgElapsed, { h: Math.floor(minutes / 60), m: minutes % 60 });
  }

  // --- reports ---------------------------------------------------------------------------

  function prefillReport(lat, lng) {
    var latInput = document.getElementById("report-lat");
    var lngInput = document.getElementById("report-lng");
    if (!latInput || latInput.dataset.edited === "true" || lngInput.dataset.edited === "true") return;
    latInput.value = lat.toFixed(6);
    lngInput.value = lng.toFixed(6);
  }

  // Kept reports: IndexedDB when it opens, else only in this page (shown as unsent all the same).
  var outbox = {
    db: null,
    memory: {},
    open: function () {
      return new Promise(function (resolve) {
        if (!window.indexedDB) return resolve();
        var request = indexedDB.open("citymgmt-patrol", 1);
        request.onupgradeneeded = function () { request.result.createObjectStore("reports", { keyPath: "client_id" }); };
        request.onsuccess = function () { outbox.db = request.result; resolve(); };
        request.onerror = function () { resolve(); };
      });
    },
    store: function (mode) { return outbox.db.transaction("reports", mode).objectStore("reports"); },
    put: function (item) {
      outbox.memory[item.client_id] = item;
      if (!outbox.db) return Promise.resolve();
      return new Promise(function (resolve) {
        try {
          var request = outbox.store("readwrite").put(item);
          request.onsuccess = request.onerror = function () { resolve(); };
        } catch (e) { resolve(); }
      });
    },
    remove: function (id) {
      delete outbox.memory[id];
      if (!outbox.db) return Promise.resolve();
      return new Promise(function (resolve) {
        var request = outbox.store("readwrite").delete(id);
        request.onsuccess = request.onerror = function () { resolve(); };
      });
    },
    all: function () {
      if (!outbox.db) return Promise.resolve(Object.values(outbox.memory));
      return new Promise(function (resolve) {
        var request = outbox.store("readonly").getAll();
        request.onsuccess = function () {
          var mine = request.result.filter(function (r) { return r.patrol === root.dataset.patrol; });
          mine.forEach(function (r) { outbox.memory[r.client_id] = r; });
          resolve(Object.values(outbox.memory));
        };
        request.onerror = function () { resolve(Object.values(outbox.memory)); };
      });
    },
  };

  function formEntries(form, selfHandled) {
    var entries = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "self_handled") return;
      if (value instanceof File && !value.size && !value.name) return; // an empty file input
      entries.push([name, value]);
    });
    entries.push(["self_handled", selfHandled ? "1" : "0"]);
    return entries;
  }

  function describe(item) {
    var text = item.entries.filter(function (e) { return e[0] === "description"; }).map(function (e) { return e[1]; })[0];
    return (text || "").slice(0, 30) || item.client_id.slice(0, 8);
  }

  function showUnsent() {
    outbox.all().then(function (items) {
      var box = document.getElementById("report-unsent");
      var list = document.getElementById("report-unsent-list");
      if (!box) return;
      list.innerHTML = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "list-group-item px-0 unsent-report";
        li.dataset.clientId = item.client_id;
        li.textContent = describe(item) + " · " + (item.error || root.dataset.msgUnsent);
        list.appendChild(li);
      });
      box.classList.toggle("d-none", items.length === 0);
    });
  }

  function clearErrors(form) {
    form.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    form.querySelectorAll(".invalid-feedback[data-field]").forEach(function (el) {
      el.textContent = "";
      el.classList.remove("d-block");
    });
  }

  function showErrors(form, errors, message) {
    var shown = false;
    Object.keys(errors || {}).forEach(function (name) {
      var feedback = form.querySelector('.invalid-feedback[data-field="' + name + '"]');
      var input = form.querySelector('[name="' + name + '"]');
      if (name === "lat") input = form.querySelector("#report-lat");
      if (!feedback) return;
      feedback.textContent = errors[name].join(" ");
      feedback.classList.add("d-block");
      if (input) input.classList.add("is-invalid");
      shown = true;
    });
    if (!shown) result("danger", message || Object.values(errors || {}).join(" "));
  }

  function result(kind, text) {
    // Text only: messages carry the server's words and the report's own description.
    var box = document.getElementById("report-result");
    box.className = "alert alert-" + kind + " py-2 small";
    box.textContent = text;
  }

  function sendReport(item, form) {
    // One request per report at a time: a click on retry while the "online" retry runs must not race it.
    if (state.inflight[item.client_id]) return Promise.resolve();
    state.inflight[item.client_id] = true;
    var done = function () { delete state.inflight[item.client_id]; };
    var data = new FormData();
    item.entries.forEach(function (e) { data.append(e[0], e[1]); });
    return fetch(root.dataset.reportUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": root.dataset.csrf },
      body: data,
    }).then(function (response) {
      if (response.status >= 500) throw new Error("HTTP " + response.status);
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      return outbox.remove(item.client_id).then(function () {
        if (answer.status === 200) {
          state.reportBackoff = 0;
          var link = document.createElement("a");
          link.href = answer.body.url;
          link.id = "report-case-number";
          link.textContent = answer.body.number;
          result("success", root.dataset.msgSent + " ");
          document.getElementById("report-result").appendChild(link);
          if (form && item.client_id === form.querySelector("#report-client-id").value) resetForm(form);
        } else if (form && item.client_id === form.querySelector("#report-client-id").value) {
          showErrors(form, answer.body.errors, answer.body.message); // the input stays as typed
        } else {
          result("danger", describe(item) + ": " + (answer.body.message || ""));
        }
        showUnsent();
      });
    }).catch(function () {
      item.error = root.dataset.msgUnsent;
      return outbox.put(item).then(function () {
        result("warning", root.dataset.msgOffline);
        showUnsent();
        scheduleRetry();
      });
    }).then(done, done);
  }

  function resetForm(form) {
    var lat = form.querySelector("#report-lat").value;
    var lng = form.querySelector("#report-lng").value;
    form.reset();
    clearErrors(form);
    form.querySelector("#report-lat").value = lat;
    form.querySelector("#report-lng").value = lng;
    form.querySelector("#report-client-id").value = newId();
    document.getElementById("report-category-search").dispatchEvent(new Event("input")); // show every category again
  }

  function retryAll() {
    window.clearTimeout(state.retryTimer);
    state.retryTimer = null;
    var form = document.getElementById("report-form");
    return outbox.all().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function () { return sendReport(item, form); });
      }, Promise.resolve());
    });
  }

  function scheduleRetry() {
    if (state.retryTimer) return;
    state.reportBackoff = Math.min(state.reportBackoff ? state.reportBackoff * 2 : 5000, 120000);
    state.retryTimer = window.setTimeout(retryAll, state.reportBackoff);
  }

  function wireReport() {
    var form = document.getElementById("report-form");
    if (!form) return;
    if (!form.querySelector("#report-client-id").value) form.querySelector("#report-client-id").value = newId();
    ["report-lat", "report-lng"].forEach(function (id) {
      form.querySelector("#" + id).addEventListener("input", function (event) { event.target.dataset.edited = "true"; });
    });
    var search = document.getElementById("report-category-search");
    var select = document.getElementById("report-category");
    search.addEventListener("input", function () {
      var typed = search.value.trim().toLowerCase();
      var first = null;
      select.querySelectorAll("option").forEach(function (option) {
        if (!option.value) return;
        var match = !typed || option.textContent.toLowerCase().indexOf(typed) !== -1;
        option.hidden = !match;
        if (match && !first) first = option;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      if (typed && first && (select.selectedIndex <= 0 || select.options[select.selectedIndex].hidden)) {
        select.value = first.value;
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var selfHandled = Boolean(event.submitter && event.submitter.value === "1");
      clearErrors(form);
      var item = { client_id: form.querySelector("#report-client-id").value, patrol: root.dataset.patrol,
        entries: formEntries(form, selfHandled) };
      result("info", root.dataset.msgSending);
      // Kept first, so a crash or a reload while sending loses nothing.
      outbox.put(item).then(function () { return sendReport(item, form); });
    });
    document.getElementById("report-retry").addEventListener("click", retryAll);
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("patrol");
    if (!root) return;
    state = { backoff: 0, reportBackoff: 0, sending: false, memoryQueue: null, inflight: {} };
    drawMap(JSON.parse(document.getElementById("patrol-map-data").textContent));
    if (root.dataset.active !== "true") return;
    wireManual();
    wireReport();
    showPending();
    flush(); // what an earlier visit left queued
    startTracking();
    tickElapsed();
    window.setInterval(tickElapsed, 30000);
    window.addEventListener("online", function () { flush(); retryAll(); });
    outbox.open().then(function () {
      showUnsent();
      retryAll();
    });
  });
})();
