// Turns the CommonJS compile in dist/.cjs into .cjs and .d.cts files beside the ESM build, so that
// require('nestjs-sse') and import 'nestjs-sse' each load their own build with their own types,
// from one source. Run by `npm run build` after both compiles.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const DIST = 'dist';
const COMPILED = join(DIST, '.cjs');

/** './x.js' and '../y/index.js' in require() calls and type imports; packages stay as they are. */
const RELATIVE_JS = /(["'])(\.{1,2}\/[^"'\n]*?)\.js\1/g;

function* filesUnder(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else yield path;
  }
}

const renamed = (path) => path.replace(/\.d\.ts$/, '.d.cts').replace(/\.js$/, '.cjs');

let count = 0;
for (const file of filesUnder(COMPILED)) {
  if (!/\.(d\.ts|js)$/.test(file)) continue;
  const target = join(DIST, renamed(relative(COMPILED, file)));
  const text = readFileSync(file, 'utf8').replace(RELATIVE_JS, (_, quote, path) => `${quote}${path}.cjs${quote}`);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  count++;
}
rmSync(COMPILED, { recursive: true });
if (count === 0) throw new Error(`No CommonJS output found in ${COMPILED}; run tsc -p tsconfig.build-cjs.json first.`);
console.log(`build-cjs: ${count} files written as .cjs and .d.cts`);
