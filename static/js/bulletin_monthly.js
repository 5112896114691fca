/* The monthly bulletin's ranking charts (reports/bulletin_monthly.html); data from the
   bulletin-charts JSON, labels from the article's data attributes. */
(function () {
  const charts = JSON.parse(document.getElementById("bulletin-charts").textContent);
  const paper = document.getElementById("monthly-bulletin");
  const flag = paper.dataset.flagLabel;
  const drawn = [];
  for (const [level, data] of Object.entries(charts)) {
    const box = document.getElementById("chart-" + level);
    if (!box || !data.names.length) continue;
    const chart = echarts.init(box, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length * 64 > box.clientWidth ? 50 : 0, fontSize: data.names.length > 20 ? 10 : 12 } },
      yAxis: { type: "value", min: 0, max: 100, name: paper.dataset.scoreLabel },
      series: [{
        type: "bar",
        data: data.scores.map((score, i) => ({
          value: score,
          itemStyle: { color: data.flags[i] ? "#dc3545" : data.boards[i] === "black" ? "#495057" : data.boards[i] === "red" ? "#fd7e14" : "#0d6efd" },
          // Many units: only the flag holder is labelled, the rest read from the table below.
          label: data.flags[i] ? { show: true, position: "top", formatter: "★ " + flag, color: "#dc3545" }
                               : { show: data.names.length <= 12, position: "top", formatter: "{c}" },
        })),
      }],
    });
    drawn.push(chart);
  }
  window.addEventListener("resize", () => drawn.forEach((c) => c.resize()));
  window.addEventListener("beforeprint", () => drawn.forEach((c) => c.resize()));
})();
