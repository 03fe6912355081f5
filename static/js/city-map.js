/* The map of cities on /cities/: a progressive enhancement of the table of cities.
 *
 * It loads every city with coordinates as GeoJSON from the URL in #city-map's
 * data-geojson-url (cities/views.py CityMapDataView), rather than from the page, so the
 * page stays small however many cities there are; nearby markers are grouped into
 * numbered clusters (Leaflet.markercluster). Translated labels and icon URLs come from
 * data-* attributes on #city-map, so the page needs no inline script. Without
 * JavaScript, without Leaflet, or when the data or the tiles cannot load, the table
 * still lists every city.
 */
(function () {
  "use strict";

  var container = document.getElementById("city-map");
  if (
    !container ||
    typeof window.L === "undefined" ||
    typeof window.L.markerClusterGroup !== "function" ||
    typeof window.fetch !== "function"
  ) {
    return;
  }

  var L = window.L;
  var labels = container.dataset;
  var status = document.getElementById("map-status");

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

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

  // A cluster's icon is a button a keyboard can reach (Enter zooms in, as a click
  // does), named by how many cities it holds. Leaflet gives a marker's icon a tab stop
  // only when the marker has `keyboard: true`, which a cluster cannot be given.
  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (oldIcon) {
      var element = L.DivIcon.prototype.createIcon.call(this, oldIcon);
      element.tabIndex = 0;
      element.setAttribute("role", "button");
      element.setAttribute("aria-label", this.options.label);
      return element;
    },
  });

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var inner = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(count);
    inner.appendChild(number);
    return new ClusterIcon({
      html: inner,
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40),
      label: labels.clusterLabel.replace("{count}", String(count)),
    });
  }

  function showCities(collection) {
    var features = (collection && collection.features) || [];
    if (!Array.isArray(features) || features.length === 0) {
      return;
    }

    // Replace the "needs JavaScript" note with the map.
    container.textContent = "";
    container.classList.add("is-active");

    var map = L.map(container, {
      // Scrolling the page should scroll the page, not zoom the map.
      scrollWheelZoom: false,
      maxZoom: 19,
    });

    var tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution:
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> ' +
        escapeHtml(labels.contributors),
      // The site sends no Referer across origins; OpenStreetMap's tile policy asks for
      // one, so the tiles alone send the origin (never the path).
      referrerPolicy: "strict-origin-when-cross-origin",
    });
    tiles.once("tileerror", function () {
      say(labels.tileError);
    });
    tiles.addTo(map);

    // Explicit icon URLs: Leaflet's own guess breaks on the hashed names of the
    // static-files manifest.
    var icon = L.icon({
      iconUrl: labels.iconUrl,
      iconRetinaUrl: labels.iconRetinaUrl,
      shadowUrl: labels.shadowUrl,
      iconSize: [25, 41],
      iconAnchor: [12, 41],
      popupAnchor: [1, -34],
      tooltipAnchor: [16, -28],
      shadowSize: [41, 41],
    });

    var clusters = L.markerClusterGroup({
      iconCreateFunction: clusterIcon,
      // The outline of a cluster's cities on hover is noise on a dense map.
      showCoverageOnHover: false,
      // Thousands of markers: add them in chunks so the page stays responsive.
      chunkedLoading: true,
    });
    var points = [];
    var markers = [];
    features.forEach(function (feature) {
      var coordinates = feature.geometry && feature.geometry.coordinates;
      var city = feature.properties;
      if (!Array.isArray(coordinates) || !city) {
        return;
      }
      // GeoJSON says [longitude, latitude]; Leaflet says [latitude, longitude].
      var point = [coordinates[1], coordinates[0]];
      points.push(point);
      markers.push(
        L.marker(point, {
          icon: icon,
          title: city.name,
          alt: city.name,
          keyboard: true,
        }).bindPopup(popupFor(city))
      );
    });

    // The view first: the cluster group measures the visible area when it is added.
    if (points.length === 1) {
      map.setView(points[0], 10);
    } else {
      map.fitBounds(points, { padding: [32, 32], maxZoom: 10 });
    }
    map.addLayer(clusters);
    clusters.addLayers(markers);
  }

  fetch(labels.geojsonUrl, {
    headers: { Accept: "application/geo+json" },
    credentials: "same-origin",
  })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(showCities)
    .catch(function () {
      say(labels.dataError);
    });
})();
