/* The map of cities on /cities/: a progressive enhancement of the table of cities.
 *
 * It loads every city with coordinates as GeoJSON from the URL in #city-map's
 * data-geojson-url (cities/views.py CityMapDataView), rather than from the page, so the
 * page stays small however many cities there are; nearby markers are grouped into
 * numbered clusters (Leaflet.markercluster). Translated labels and icon URLs come from
 * data-* attributes on #city-map, so the page needs no inline script.
 *
 * Under the OpenStreetMap tiles lies an outline of Europe's land and borders from our
 * own static files (data-outline-url: static/vendor/natural-earth/), in a pane below
 * the tiles' pane: the tiles cover it once they load, and when they cannot (offline,
 * a firewall, the tile server down) the map still shows where the cities are.
 *
 * For a keyboard the map is one stop: the container (Leaflet pans it with the arrow
 * keys and zooms it with + and -), then its zoom buttons. Markers and clusters are not
 * tab stops of their own (thousands of them would stand between a keyboard and the
 * table), and a skip link before the map leads past it to the table, which lists every
 * city. Without JavaScript, without Leaflet, or when the data cannot load, the table
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

  // A cluster is a marker to Leaflet, which makes every marker a tab stop and a
  // button unless told otherwise; see the top of this file.
  L.MarkerCluster.mergeOptions({ keyboard: false });

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var inner = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(count);
    inner.appendChild(number);
    // A mouse user learns what a cluster is on hovering it; for a keyboard or a
    // screen reader it is not a stop (see above), and the table holds its cities.
    inner.title = labels.clusterLabel.replace("{count}", String(count));
    return L.divIcon({
      html: inner,
      className: "marker-cluster marker-cluster-" + size,
      iconSize: L.point(40, 40),
    });
  }

  // Europe, for a map with no city on it yet.
  var EUROPE = [
    [36, -11],
    [70, 32],
  ];

  var LAND = "#f4f1ea";

  // The outline is a backdrop: drawn under the tiles, never a target of the mouse.
  function showOutline(map, collection) {
    map.createPane("outline");
    // Leaflet's tile pane is at z-index 200: the outline goes below it.
    map.getPane("outline").style.zIndex = "150";
    L.geoJSON(collection, {
      pane: "outline",
      interactive: false,
      attribution: escapeHtml(labels.outlineCredit),
      style: function (feature) {
        var land = feature.properties && feature.properties.name === "land";
        // The land is drawn in pieces clipped to boxes (build.mjs there): a stroke of
        // its own colour hides the hairline seams between them.
        return land
          ? { color: LAND, weight: 1, fill: true, fillColor: LAND, fillOpacity: 1 }
          : { color: "#8a8f98", weight: 1, fill: false };
      },
    }).addTo(map);
  }

  function getJson(url, accept) {
    return fetch(url, {
      headers: { Accept: accept },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    });
  }

  function createMap() {
    // Replace the "needs JavaScript" note with the map.
    container.textContent = "";
    container.classList.add("is-active");

    var map = L.map(container, {
      // Scrolling the page should scroll the page, not zoom the map.
      scrollWheelZoom: false,
      maxZoom: 19,
    });
    map.fitBounds(EUROPE);

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
    return map;
  }

  function showCities(map, collection) {
    var features = (collection && collection.features) || [];
    if (!Array.isArray(features) || features.length === 0) {
      return;
    }

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
          // Not a tab stop: see the top of this file.
          keyboard: false,
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

  var map = createMap();
  // The outline is a fallback: if it cannot load, the tiles (or their error) speak.
  getJson(labels.outlineUrl, "application/geo+json")
    .then(function (collection) {
      showOutline(map, collection);
    })
    .catch(function () {});
  getJson(labels.geojsonUrl, "application/geo+json")
    .then(function (collection) {
      showCities(map, collection);
    })
    .catch(function () {
      say(labels.dataError);
    });
})();
