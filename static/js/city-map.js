/* The map of cities on /cities/: a progressive enhancement of the table of cities.
 *
 * It reads the cities with coordinates from the JSON data island #city-data (written by
 * Django's json_script) and the translated labels and icon URLs from data-* attributes
 * on #city-map, so the page needs no inline script. Without JavaScript, without
 * Leaflet, or when the tiles cannot load, the table still lists every city.
 */
(function () {
  "use strict";

  var container = document.getElementById("city-map");
  var island = document.getElementById("city-data");
  if (!container || !island || typeof window.L === "undefined") {
    return;
  }

  var cities;
  try {
    cities = JSON.parse(island.textContent);
  } catch (error) {
    return;
  }
  if (!Array.isArray(cities) || cities.length === 0) {
    return;
  }

  var labels = container.dataset;
  var status = document.getElementById("map-status");

  function escapeHtml(text) {
    var span = document.createElement("span");
    span.textContent = text || "";
    return span.innerHTML;
  }

  // Popups are built as DOM nodes, never from HTML strings: names are data, not markup.
  function popupFor(city) {
    var wrapper = document.createElement("div");
    var link = document.createElement("a");
    link.href = city.url;
    link.textContent = city.name;
    var heading = document.createElement("strong");
    heading.appendChild(link);
    wrapper.appendChild(heading);
    var details = document.createElement("p");
    details.textContent =
      city.country + " · " + labels.casesLabel + ": " + String(city.cases);
    wrapper.appendChild(details);
    return wrapper;
  }

  // Replace the "needs JavaScript" note with the map.
  container.textContent = "";
  container.classList.add("is-active");

  var map = window.L.map(container, {
    // Scrolling the page should scroll the page, not zoom the map.
    scrollWheelZoom: false,
  });

  var tiles = window.L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
    maxZoom: 19,
    attribution:
      '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> ' +
      escapeHtml(labels.contributors),
    // The site sends no Referer across origins; OpenStreetMap's tile policy asks for
    // one, so the tiles alone send the origin (never the path).
    referrerPolicy: "strict-origin-when-cross-origin",
  });
  tiles.once("tileerror", function () {
    if (status) {
      status.textContent = labels.tileError;
    }
  });
  tiles.addTo(map);

  // Explicit icon URLs: Leaflet's own guess breaks on the hashed names of the
  // static-files manifest.
  var icon = window.L.icon({
    iconUrl: labels.iconUrl,
    iconRetinaUrl: labels.iconRetinaUrl,
    shadowUrl: labels.shadowUrl,
    iconSize: [25, 41],
    iconAnchor: [12, 41],
    popupAnchor: [1, -34],
    tooltipAnchor: [16, -28],
    shadowSize: [41, 41],
  });

  var points = [];
  cities.forEach(function (city) {
    var point = [city.lat, city.lng];
    points.push(point);
    window.L.marker(point, {
      icon: icon,
      title: city.name,
      alt: city.name,
      keyboard: true,
    })
      .bindPopup(popupFor(city))
      .addTo(map);
  });

  if (points.length === 1) {
    map.setView(points[0], 10);
  } else {
    map.fitBounds(points, { padding: [32, 32], maxZoom: 10 });
  }
})();
