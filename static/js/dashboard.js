/* The leader dashboard: each chart asks its JSON part (cached on the server)
   and draws it with ECharts; the map draws open cases by light (clustered
   when leaflet.markercluster is served) over the month's grid density.
   Every bar, point and marker links to the triage queue with the filters of
   the cases behind it (the `url` the server put on each datum). In 大屏 mode
   the data is fetched again every refreshSeconds. No tiles unless the server
   configures MAP_TILE_URL, so the page works offline. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var labels = config.labels;
  var LIGHT_COLORS = { green: "#198754", yellow: "#ffc107", red: "#dc3545", none: "#6c757d" };
  var LIGHT_ORDER = { none: 0, green: 1, yellow: 2, red: 3 };
  var state = { charts: {}, data: {}, urls: {}, map: null, mapLayers: null };
  window.citymgmtDashboard = state; // for the browser tests and the console

  function pct(value) {
    return value === null || value === undefined ? null : Math.round(value * 10000) / 100;
  }

  function pctText(value) {
    return value === null || value === undefined ? labels.no_value : pct(value).toFixed(2) + " %";
  }

  function go(url) {
    if (url) window.location.href = url;
  }

  function chart(part) {
    if (state.charts[part]) return state.charts[part];
    var holder = document.getElementById("chart-" + part);
    if (!holder || typeof echarts === "undefined") return null;
    var instance = echarts.init(holder, config.screen ? "dark" : null, { renderer: "canvas" });
    instance.on("click", function (params) {
      var urls = state.urls[part] || [];
      go(urls[params.dataIndex]);
    });
    state.charts[part] = instance;
    return instance;
  }

  function show(instance, option) {
    option.animationDuration = 300; // charts are read at a glance, and refreshed in 大屏 mode
    instance.setOption(option, true);
  }

  function empty(instance, message) {
    instance.clear();
    show(instance, {
      title: { text: message || labels.no_data, left: "center", top: "middle", textStyle: { fontSize: 14, fontWeight: "normal" } },
    });
  }

  function done(part) {
    var holder = document.getElementById(part === "map" ? "dash-map" : "chart-" + part);
    if (holder) holder.dataset.ready = "true";
  }

  // --- the charts ----------------------------------------------------------------------

  var DRAW = {
    ranking: function (data) {
      var instance = chart("ranking");
      var rows = data.rows.filter(function (r) { return r.rank; });
      var unranked = data.rows.filter(function (r) { return !r.rank; });
      rows = rows.concat(unranked);
      state.urls.ranking = rows.map(function (r) { return r.url; });
      fillBoards(data.rows);
      var stateText = document.getElementById("ranking-state");
      if (stateText) {
        stateText.textContent = data.frozen ? labels.frozen_as_of + " " + (data.as_of || "").slice(0, 16).replace("T", " ") : "";
      }
      if (!rows.length) return empty(instance);
      show(instance, {
        tooltip: {
          trigger: "item",
          formatter: function (p) {
            var r = rows[p.dataIndex];
            return [
              "<strong>" + r.name + "</strong>" + (r.red_flag ? " ★ " + labels.red_flag : ""),
              labels.rank + ": " + (r.rank || labels.no_value) + (r.rank_change ? " (" + (r.rank_change > 0 ? "↑" : "↓") + Math.abs(r.rank_change) + ")" : ""),
              labels.score + ": " + (r.score === null ? labels.no_value : r.score) + (r.reweighted ? " *" : ""),
              labels.on_time_closure_rate + ": " + pctText(r.on_time_closure_rate),
              labels.closure_rate + ": " + pctText(r.closure_rate),
              labels.filed + ": " + r.filed + " · " + labels.closed + ": " + r.closed,
            ].join("<br>");
          },
        },
        grid: { left: 8, right: 120, top: 8, bottom: 8, containLabel: true },
        xAxis: { type: "value", max: 100, axisLabel: { show: true } },
        yAxis: {
          type: "category",
          inverse: true,
          data: rows.map(function (r) { return (r.rank ? r.rank + ". " : "") + r.name; }),
          axisLabel: { fontWeight: "bold" },
        },
        series: [
          {
            type: "bar",
            name: labels.score,
            cursor: "pointer",
            data: rows.map(function (r) {
              var color = r.board === "red" ? "#dc3545" : r.board === "black" ? "#343a40" : "#0d6efd";
              return {
                value: r.score === null ? 0 : r.score,
                itemStyle: { color: color, borderColor: r.own ? "#ffc107" : color, borderWidth: r.own ? 3 : 0 },
              };
            }),
            label: {
              show: true,
              position: "right",
              formatter: function (p) {
                var r = rows[p.dataIndex];
                var text = r.score === null ? labels.no_value : String(r.score);
                return r.red_flag ? text + "  {flag|★ " + labels.red_flag + "}" : text;
              },
              rich: { flag: { color: "#dc3545", fontWeight: "bold" } },
            },
          },
        ],
      });
    },

    trend: function (data) {
      var instance = chart("trend");
      var points = data.points;
      state.urls.trend = points.map(function (p) { return p.url; });
      show(instance, {
        tooltip: {
          trigger: "axis",
          valueFormatter: function (v) { return v === null || v === undefined ? labels.no_value : v.toFixed(2) + " %"; },
        },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: points.map(function (p) { return p.month.slice(0, 7); }) },
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
        series: [
          { type: "line", name: labels.closure_rate, data: points.map(function (p) { return pct(p.closure_rate); }), connectNulls: false, symbolSize: 8, cursor: "pointer" },
          { type: "line", name: labels.on_time_closure_rate, data: points.map(function (p) { return pct(p.on_time_closure_rate); }), connectNulls: false, symbolSize: 8, cursor: "pointer" },
        ],
      });
    },

    channels: function (data) {
      var instance = chart("channels");
      var groups = data.groups;
      state.urls.channels = groups.map(function (g) { return g.url; });
      if (!groups.some(function (g) { return g.filed; })) return empty(instance);
      show(instance, {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "category", data: groups.map(function (g) { return g.label; }), axisLabel: { interval: 0, width: 80, overflow: "break" } },
        yAxis: [{ type: "value" }, { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } }],
        series: [
          { type: "bar", name: labels.filed, data: groups.map(function (g) { return g.filed; }), cursor: "pointer" },
          { type: "bar", name: labels.closed, data: groups.map(function (g) { return g.closed; }), cursor: "pointer" },
          {
            type: "line", name: labels.closure_rate, yAxisIndex: 1, cursor: "pointer",
            data: groups.map(function (g) { return pct(g.closure_rate); }),
            tooltip: { valueFormatter: function (v) { return v === null || v === undefined ? labels.no_value : v.toFixed(2) + " %"; } },
          },
        ],
      });
    },

    categories: function (data) {
      horizontalBars("categories", data.categories, function (c) { return c.name; });
    },

    grids: function (data) {
      horizontalBars("grids", data.grids, function (g) { return g.name; });
    },

    overdue: function (data) {
      var instance = chart("overdue");
      var rows = data.departments.slice(0, 12);
      state.urls.overdue = rows.map(function (d) { return d.url; });
      if (!rows.length) return empty(instance);
      show(instance, {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: rows.map(function (d) { return d.name; }) },
        series: [
          { type: "bar", name: labels.overdue, data: rows.map(function (d) { return d.overdue; }), itemStyle: { color: "#dc3545" }, cursor: "pointer" },
          { type: "bar", name: labels.red, data: rows.map(function (d) { return d.red; }), itemStyle: { color: "#fd7e14" }, cursor: "pointer" },
          { type: "bar", name: labels.open, data: rows.map(function (d) { return d.open; }), itemStyle: { color: "#adb5bd" }, cursor: "pointer" },
        ],
      });
    },

    map: drawMap,
  };

  function horizontalBars(part, rows, name) {
    var instance = chart(part);
    state.urls[part] = rows.map(function (r) { return r.url; });
    if (!rows.length) return empty(instance);
    show(instance, {
      tooltip: {
        trigger: "axis",
        formatter: function (params) {
          var r = rows[params[0].dataIndex];
          return "<strong>" + (r.name || r.code) + "</strong><br>" + labels.filed + ": " + r.filed + " · " + labels.closed + ": " + r.closed;
        },
      },
      grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: rows.map(name), axisLabel: { width: 110, overflow: "truncate" } },
      series: [
        { type: "bar", name: labels.filed, data: rows.map(function (r) { return r.filed; }), label: { show: true, position: "right" }, cursor: "pointer" },
      ],
    });
  }

  function fillBoards(rows) {
    var red = document.getElementById("board-red");
    var black = document.getElementById("board-black");
    if (!red || !black) return;
    [red, black].forEach(function (list) { list.textContent = ""; });
    rows.forEach(function (r) {
      if (r.board !== "red" && r.board !== "black") return;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = r.url;
      link.textContent = r.name + (r.red_flag ? " ★" : "") + (r.score === null ? "" : " (" + r.score + ")");
      item.value = r.rank;
      item.appendChild(link);
      (r.board === "red" ? red : black).appendChild(item);
    });
  }

  // --- the map ---------------------------------------------------------------------------

  function heatColor(share) {
    // Pale blue → deep violet as the grid's share of the busiest grid grows:
    // apart from the green/yellow/red of the lights drawn on top.
    var hue = 210 + 60 * share;
    return "hsl(" + hue + ", 75%, " + (70 - 30 * share) + "%)";
  }

  function popup(title, count, url) {
    var box = document.createElement("div");
    var strong = document.createElement("strong");
    strong.textContent = title;
    box.appendChild(strong);
    box.appendChild(document.createElement("br"));
    var link = document.createElement("a");
    link.href = url;
    link.textContent = labels.view_cases + " (" + count + " " + labels.cases + ")";
    box.appendChild(link);
    return box;
  }

  // A grid's open cases: all of them, then each light, each a link to those cases.
  function gridPopup(p, base) {
    var box = popup(p.grid, p.count, withFilters(base, { grid: p.grid }));
    var list = document.createElement("ul");
    list.className = "list-unstyled mb-0 mt-1";
    ["red", "yellow", "green"].forEach(function (light) {
      if (!p.counts[light]) return;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = withFilters(base, { grid: p.grid, light: light });
      link.textContent = labels["light_" + light] + " " + p.counts[light] + " " + labels.cases;
      link.style.color = LIGHT_COLORS[light];
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(list);
    return box;
  }

  function withFilters(base, filters) {
    var query = Object.keys(filters)
      .filter(function (name) { return filters[name]; })
      .map(function (name) { return encodeURIComponent(name) + "=" + encodeURIComponent(filters[name]); })
      .join("&");
    return query ? base + (base.indexOf("?") < 0 ? "?" : "&") + query : base;
  }

  function drawMap(data) {
    var holder = document.getElementById("dash-map");
    if (!holder || typeof L === "undefined") return;
    if (!state.map) {
      // maxZoom: the cluster layer needs one even when no tile layer sets it.
      state.map = L.map(holder, { attributionControl: Boolean(config.tiles), preferCanvas: true, maxZoom: 19 });
      if (config.tiles) {
        L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution || "" }).addTo(state.map);
      }
      state.map.setView([30, 120], 11);
    }
    var map = state.map;
    if (state.mapLayers) {
      state.mapLayers.forEach(function (layer) { map.removeLayer(layer); });
    }
    // Rows are arrays (see reports.selectors.map_layers): name their columns once.
    var heatRows = data.heat.map(function (r) {
      return { grid: r[0], bounds: [[r[1], r[2]], [r[3], r[4]]], filed: r[5] };
    });
    // One row per grid: its open cases by light; the marker takes the worst light.
    var pointRows = data.points.map(function (r) {
      var counts = { red: r[3], yellow: r[4], green: r[5], none: r[6] };
      var worst = ["red", "yellow", "green", "none"].filter(function (l) { return counts[l] > 0; })[0] || "none";
      return { grid: r[0], lat: r[1], lng: r[2], counts: counts, light: worst, count: r[3] + r[4] + r[5] + r[6] };
    });
    var heat = L.layerGroup();
    heatRows.forEach(function (cell) {
      var share = data.max_filed ? cell.filed / data.max_filed : 0;
      L.rectangle(cell.bounds, { stroke: false, fillColor: heatColor(share), fillOpacity: 0.25 + 0.5 * share })
        .bindPopup(popup(cell.grid + " · " + labels.heat, cell.filed, withFilters(data.links.heat, { grid: cell.grid })))
        .addTo(heat);
    });
    var clustered = typeof L.markerClusterGroup === "function";
    var points = clustered
      ? L.markerClusterGroup({
          showCoverageOnHover: false,
          maxClusterRadius: 50,
          iconCreateFunction: function (cluster) {
            var total = 0;
            var worst = "none";
            cluster.getAllChildMarkers().forEach(function (m) {
              total += m.options.count;
              if (LIGHT_ORDER[m.options.light] > LIGHT_ORDER[worst]) worst = m.options.light;
            });
            var size = total < 10 ? 30 : total < 100 ? 38 : 46;
            return L.divIcon({
              html: "<span>" + total + "</span>",
              className: "dash-cluster dash-cluster-" + worst,
              iconSize: L.point(size, size),
            });
          },
        })
      : L.layerGroup();
    pointRows.forEach(function (p) {
      var radius = Math.min(18, 5 + Math.sqrt(p.count) * 2);
      var marker = clustered
        ? L.marker([p.lat, p.lng], {
            count: p.count,
            light: p.light,
            icon: L.divIcon({
              html: "<span>" + p.count + "</span>",
              className: "dash-cluster dash-cluster-" + p.light,
              iconSize: L.point(Math.max(22, radius * 2), Math.max(22, radius * 2)),
            }),
          })
        : L.circleMarker([p.lat, p.lng], {
            count: p.count, light: p.light, radius: radius, color: LIGHT_COLORS[p.light], weight: 2, fillOpacity: 0.6,
          });
      marker.bindPopup(gridPopup(p, data.links.open));
      points.addLayer(marker);
    });
    heat.addTo(map);
    points.addTo(map);
    state.mapLayers = [heat, points];
    var bounds = L.latLngBounds([]);
    heatRows.forEach(function (cell) { bounds.extend(cell.bounds); });
    pointRows.forEach(function (p) { bounds.extend([p.lat, p.lng]); });
    if (bounds.isValid() && !state.mapFitted) {
      map.fitBounds(bounds.pad(0.05));
      state.mapFitted = true;
    }
  }

  // --- loading -------------------------------------------------------------------------------

  function load(part) {
    var url = config.parts[part] + "?month=" + encodeURIComponent(config.month);
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        state.data[part] = data;
        DRAW[part](data);
        done(part);
      })
      .catch(function () {
        var instance = part === "map" ? null : chart(part);
        if (instance) empty(instance, labels.load_failed);
      });
  }

  function loadAll() {
    return Promise.all(Object.keys(config.parts).map(load));
  }

  function resizeAll() {
    Object.keys(state.charts).forEach(function (part) { state.charts[part].resize(); });
    if (state.map) state.map.invalidateSize();
  }

  document.addEventListener("DOMContentLoaded", function () {
    state.ready = loadAll();
    if (typeof ResizeObserver === "function") {
      var observer = new ResizeObserver(function () { window.requestAnimationFrame(resizeAll); });
      document.querySelectorAll(".dash-chart, #dash-map").forEach(function (el) { observer.observe(el); });
    } else {
      window.addEventListener("resize", resizeAll);
    }
    if (config.screen) {
      window.setInterval(loadAll, config.refreshSeconds * 1000);
      var full = document.getElementById("dash-fullscreen");
      if (full && document.documentElement.requestFullscreen) {
        full.addEventListener("click", function () {
          if (document.fullscreenElement) document.exitFullscreen();
          else document.documentElement.requestFullscreen().catch(function () {});
        });
      } else if (full) {
        full.hidden = true;
      }
    }
  });
})();
