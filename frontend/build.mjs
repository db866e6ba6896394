// Build-time only. `npm run build` compiles our Sass and copies the browser
// files we need from node_modules into ../static/, which is committed: the
// running Django app needs no Node.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const staticDir = join(here, "..", "static");
const govukDist = join(modules, "govuk-frontend", "dist", "govuk");

const written = [];
function write(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, contents);
  written.push(path);
}
function copy(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true });
  if (statSync(to).isDirectory()) {
    for (const name of readdirSync(to, { recursive: true }).sort()) {
      if (!statSync(join(to, name)).isDirectory()) written.push(join(to, name));
    }
  } else {
    written.push(to);
  }
}

// 1. CSS ------------------------------------------------------------------
const css = sass.compile(join(here, "scss", "app.scss"), {
  style: "compressed",
  loadPaths: [modules],
  sourceMap: false,
  // Only show warnings for our own code, not for dependencies.
  quietDeps: true,
});
write(join(staticDir, "css", "app.css"), css.css + "\n");

// 2. GOV.UK Frontend JS (ES module) + its source map ----------------------
// The map is copied too: the .js ends with a sourceMappingURL comment, and
// Django's ManifestStaticFilesStorage (collectstatic) fails if it is missing.
const govukOut = join(staticDir, "govuk");
copy(join(govukDist, "govuk-frontend.min.js"), join(govukOut, "govuk-frontend.min.js"));
copy(join(govukDist, "govuk-frontend.min.js.map"), join(govukOut, "govuk-frontend.min.js.map"));

// 3. GOV.UK Frontend assets: images and manifest (fonts not needed: we do not
// use GDS Transport). Start clean so removed upstream files do not linger.
const assetsOut = join(govukOut, "assets");
rmSync(assetsOut, { recursive: true, force: true });
copy(join(govukDist, "assets", "images"), join(assetsOut, "images"));
copy(join(govukDist, "assets", "manifest.json"), join(assetsOut, "manifest.json"));

// 4. htmx ---------------------------------------------------------------------
copy(join(modules, "htmx.org", "dist", "htmx.min.js"), join(staticDir, "js", "htmx.min.js"));
// The accessibility checker the browser tests run in each page (tests only, not served).
copy(join(modules, "axe-core", "axe.min.js"), join(here, "..", "tests", "vendor", "axe.min.js"));

// 5. Our own JS -----------------------------------------------------------
write(join(staticDir, "js", "app.js"), readFileSync(join(here, "js", "app.js")));
write(join(staticDir, "js", "session.js"), readFileSync(join(here, "js", "session.js")));

// Report --------------------------------------------------------------------
const versions = ["govuk-frontend", "htmx.org", "sass"].map(
  (name) => `${name}@${JSON.parse(readFileSync(join(modules, name, "package.json"))).version}`,
);
console.log(`Built with ${versions.join(", ")}:`);
for (const path of written) {
  console.log(`  ${relative(join(here, ".."), path)} (${statSync(path).size} bytes)`);
}
