// Rebuilds europe.geojson, the map's offline base layer (static/js/city-map.js), from
// Natural Earth's land and country boundaries as packaged by the npm package
// world-atlas. Run it with `make vendor-natural-earth`, which installs world-atlas,
// topojson-client, topojson-simplify and lineclip in a temporary directory and runs
//
//   node static/vendor/natural-earth/build.mjs TMPDIR/node_modules static/vendor/natural-earth/europe.geojson
//
// Europe (EUROPE) comes from the 1:50m data; the rest of the world, drawn when the map
// is zoomed out, from the 1:110m data, so that a wide map never ends at a clip line.
// Both are simplified, clipped and rounded. The result has two features:
//   "land"     a MultiPolygon to fill (outlined in its own colour at most: an outline
//              of another would draw the clip boxes' edges); the coasts are the edges
//              of the fill;
//   "borders"  a MultiLineString of the borders between countries, each drawn once.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [modulesArgument, output] = process.argv.slice(2);
if (!modulesArgument || !output) {
  console.error("usage: node build.mjs NODE_MODULES_DIR OUTPUT.geojson");
  process.exit(2);
}
const modules = resolve(modulesArgument);
const require = createRequire(join(modules, "noop.js"));
const topojson = require("topojson-client");
const simplification = require("topojson-simplify");
// lineclip is an ES module: imported, not required.
const { clipPolygon, clipPolyline } = await import(
  pathToFileURL(require.resolve("lineclip")).href
);

// Boxes are [west, south, east, north] in degrees. The world stops where Leaflet's
// Web Mercator does (85.05°).
// Its east edge stays west of the Caspian Sea, a hole in the land: a hole cut by a
// clip box would show the cut.
const EUROPE = [-30, 30, 46, 73];
const MIN_AREA = Number(process.env.MIN_AREA || 0.003);
const MIN_ISLAND = Number(process.env.MIN_ISLAND || 0.02);
const WORLD = [-180, -85, 180, 85];
// The world outside EUROPE, as four boxes that do not overlap it.
const [w, s, e, n] = EUROPE;
const AROUND = [
  [WORLD[0], WORLD[1], w, WORLD[3]],
  [e, WORLD[1], WORLD[2], WORLD[3]],
  [w, WORLD[1], e, s],
  [w, n, e, WORLD[3]],
];

// Visvalingam simplification of the shared arcs (so that the land and its outlines
// still meet): a point goes when the triangle it makes with its neighbours is smaller
// than minArea square degrees; an island goes when it is smaller than minIsland.
function load(name, minArea, minIsland) {
  const path = join(modules, "world-atlas", name);
  const topology = JSON.parse(readFileSync(path, "utf8"));
  const kept = simplification.filter(
    topology,
    simplification.filterWeight(topology, minIsland)
  );
  return simplification.simplify(simplification.presimplify(kept), minArea);
}

function rounder(places) {
  const factor = 10 ** places;
  return (points) => {
    const rounded = [];
    for (const [x, y] of points) {
      const point = [Math.round(x * factor) / factor, Math.round(y * factor) / factor];
      const last = rounded[rounded.length - 1];
      if (!last || last[0] !== point[0] || last[1] !== point[1]) {
        rounded.push(point);
      }
    }
    return rounded;
  };
}

// A ring or line that crosses the antimeridian jumps from 180° to -180° (Russia's
// does): clipped as it is, that jump would draw a band around the whole world. Made
// continuous (longitudes past 180°), it is cut cleanly at the world box's edge.
function unwrapped(points) {
  let shift = 0;
  const continuous = points.map(([x, y], index) => {
    if (index > 0) {
      const previous = points[index - 1][0];
      if (x - previous > 180) shift -= 360;
      else if (previous - x > 180) shift += 360;
    }
    return [x + shift, y];
  });
  // Most of it back between -180° and 180°, wherever the ring happened to start.
  const mean = continuous.reduce((sum, [x]) => sum + x, 0) / continuous.length;
  const back = -360 * Math.round(mean / 360);
  return continuous.map(([x, y]) => [x + back, y]);
}

function polygonsOf(geometry) {
  if (geometry.type === "Polygon") return [geometry.coordinates];
  if (geometry.type === "MultiPolygon") return geometry.coordinates;
  return [];
}

// The land's polygons and the outlines' lines of `topology`, clipped to each of `boxes`.
function clipped(topology, boxes, places) {
  const round = rounder(places);
  const land = topojson.feature(topology, topology.objects.land);
  const landPolygons = (land.features || [land]).flatMap((feature) =>
    polygonsOf(feature.geometry)
  );
  // Borders between countries only: the coasts are the edges of the land's fill.
  const mesh = topojson.mesh(
    topology,
    topology.objects.countries,
    (a, b) => a !== b
  );
  const polygons = [];
  const lines = [];
  for (const box of boxes) {
    for (const polygon of landPolygons) {
      const rings = [];
      for (const [index, ring] of polygon.entries()) {
        const points = round(clipPolygon(unwrapped(ring), box));
        if (points.length >= 3) {
          points.push(points[0]);
          rings.push(points);
        } else if (index === 0) {
          break; // The outer ring is outside the box, and so are its holes.
        }
      }
      if (rings.length) polygons.push(rings);
    }
    for (const line of mesh.coordinates) {
      for (const piece of clipPolyline(unwrapped(line), box)) {
        const points = round(piece);
        if (points.length >= 2) lines.push(points);
      }
    }
  }
  return { polygons, lines };
}

const europe = clipped(load("countries-50m.json", MIN_AREA, MIN_ISLAND), [EUROPE], 3);
const around = clipped(load("countries-110m.json", 0.03, 0.5), AROUND, 1);
const collection = {
  type: "FeatureCollection",
  features: [
    {
      type: "Feature",
      properties: { name: "land" },
      geometry: {
        type: "MultiPolygon",
        coordinates: [...europe.polygons, ...around.polygons],
      },
    },
    {
      type: "Feature",
      properties: { name: "borders" },
      geometry: {
        type: "MultiLineString",
        coordinates: [...europe.lines, ...around.lines],
      },
    },
  ],
};
const text = JSON.stringify(collection) + "\n";
writeFileSync(output, text);
console.log(`${output}: ${text.length} bytes`);
