// Copies the pinned GraphiQL, React and ReactDOM builds from node_modules (installed from
// package-lock.json by `npm ci`) into assets/, gzipped, which the gateway embeds at build time
// and sends as they are to browsers (they all take gzip).
// The copies are committed, so `cargo run` serves GraphiQL on a machine without npm or network;
// `node vendor.mjs --check` fails when they differ from what the lockfile installs, which is
// how CI keeps them honest.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const files = {
  "react.production.min.js": "react/umd/react.production.min.js",
  "react-dom.production.min.js": "react-dom/umd/react-dom.production.min.js",
  "graphiql.min.js": "graphiql/graphiql.min.js",
  "graphiql.min.css": "graphiql/graphiql.min.css",
};

const check = process.argv.includes("--check");
const stale = [];
for (const [name, source] of Object.entries(files)) {
  const wanted = readFileSync(join(here, "node_modules", source));
  const target = join(here, "assets", `${name}.gz`);
  if (check) {
    let current = null;
    try {
      current = gunzipSync(readFileSync(target));
    } catch {
      // Missing or not gzip: stale either way.
    }
    if (current === null || !current.equals(wanted)) stale.push(name);
  } else {
    writeFileSync(target, gzipSync(wanted, { level: 9 }));
  }
}
if (stale.length > 0) {
  console.error(
    `assets/ differ from package-lock.json for: ${stale.join(", ")}; run \`npm ci && npm run vendor\` in crates/server/graphiql and commit`,
  );
  process.exit(1);
}
