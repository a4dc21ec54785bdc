// vigie web application: the only script of the pages (no inline scripts; the
// Content-Security-Policy forbids them). It refreshes the alert queue without a full
// reload by polling the JSON endpoint named in the table body's data-poll attribute; the
// rows come escaped from the server. Pages work without it.
"use strict";
(function () {
  function startQueue(tbody) {
    var url = tbody.getAttribute("data-poll");
    var every = parseInt(tbody.getAttribute("data-interval") || "10000", 10);
    var count = document.getElementById("queue-count");
    var busy = false;
    function refresh() {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (!r.ok || (r.headers.get("content-type") || "").indexOf("application/json") !== 0) {
            throw new Error("status " + r.status);
          }
          return r.json();
        })
        .then(function (data) {
          var checked = {};
          tbody.querySelectorAll("input[name=ids]:checked").forEach(function (box) {
            checked[box.value] = true;
          });
          tbody.innerHTML = data.rows;
          tbody.querySelectorAll("input[name=ids]").forEach(function (box) {
            if (checked[box.value]) { box.checked = true; }
          });
          if (count) { count.textContent = data.count; }
          tbody.setAttribute("data-refreshed", String(Date.now()));
        })
        .catch(function () { /* keep the rows shown; try again at the next tick */ })
        .then(function () { busy = false; });
    }
    window.setInterval(refresh, every);
  }
  document.addEventListener("DOMContentLoaded", function () {
    var tbody = document.querySelector("tbody[data-poll]");
    if (tbody) { startQueue(tbody); }
  });
})();
