// Builds the page into dist/: index.html, assets/app.js + app.css (esbuild bundle of src/ and
// MapLibre), MapLibre's worker, and the basemap (Natural Earth countries from world-atlas, as
// TopoJSON: the page converts it to GeoJSON with topojson-client and fetches nothing else).
import { copyFile, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(here, "dist");
const assets = path.join(dist, "assets");
const require = createRequire(import.meta.url);

await rm(dist, { recursive: true, force: true });
await mkdir(assets, { recursive: true });
await esbuild.build({
  entryPoints: { app: path.join(here, "src", "main.js") },
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "eof",
  outdir: assets,
  logLevel: "warning",
});
await copyFile(require.resolve("maplibre-gl/dist/maplibre-gl-worker.mjs"), path.join(assets, "maplibre-gl-worker.mjs"));
await copyFile(require.resolve("world-atlas/countries-50m.json"), path.join(assets, "countries-50m.json"));
await copyFile(path.join(here, "index.html"), path.join(dist, "index.html"));
console.log(`built ${path.relative(process.cwd(), dist) || "."}`);
