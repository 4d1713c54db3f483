// Replaces each script and stylesheet Vite wrote to dist/assets with its gzip form (`name.gz`).
// The gateway embeds dist/ and sends these bytes as they are to browsers, which all take gzip
// (a client that does not gets them unpacked): a quarter of the size on the wire and in the
// binary, and no compression work per request. Level 9 and Node's zlib make the same bytes
// from the same input, so CI can rebuild dist/ and compare.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const assets = join(import.meta.dirname, '..', 'dist', 'assets');
for (const name of readdirSync(assets)) {
  if (!/\.(js|css|svg)$/.test(name)) continue;
  const file = join(assets, name);
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
  rmSync(file);
}
