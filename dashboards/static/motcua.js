// motcua's pages: draws each chart from the options its container carries
// (data-options, written by the server as JSON) and opens the dossiers
// behind a data point on click (data-links[series][index]).
"use strict";
(function () {
  function draw() {
    var charts = [];
    document.querySelectorAll("[data-options]").forEach(function (el) {
      var options = JSON.parse(el.getAttribute("data-options"));
      var links = JSON.parse(el.getAttribute("data-links") || "[]");
      options.animation = false;
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(options);
      chart.on("click", function (p) {
        var series = links[p.seriesIndex] || [];
        var link = series[p.dataIndex];
        if (link) {
          window.location.href = link;
        }
      });
      charts.push(chart);
    });
    function resize() {
      charts.forEach(function (c) { c.resize(); });
    }
    window.addEventListener("resize", resize);
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }
  // The period picker shows the number of the month, quarter or half, or
  // the custom days, as the kind of period asks.
  function picker() {
    var form = document.querySelector("form.picker");
    if (!form) {
      return;
    }
    var kind = form.querySelector("[name=period]");
    if (!kind) {
      return;
    }
    function show() {
      var k = kind.value;
      form.querySelectorAll("[data-for]").forEach(function (el) {
        var on = el.getAttribute("data-for").split(" ").indexOf(k) >= 0;
        el.hidden = !on;
        el.querySelectorAll("input,select").forEach(function (i) { i.disabled = !on; });
      });
    }
    kind.addEventListener("change", show);
    show();
  }
  document.addEventListener("DOMContentLoaded", function () {
    picker();
    draw();
  });
})();
