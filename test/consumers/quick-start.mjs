// Writes the README's quick start into an app, as a user pastes it: every `ts` block of the
// "Quick start" section into <dir>/quick-start/ under the name its first line gives, and, with
// --fastify, the "On Fastify" blocks over them into <dir>/quick-start-fastify/.
// Usage: node quick-start.mjs <README.md> <dir> [--fastify]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [readme, dir, flag] = process.argv.slice(2);
const lines = readFileSync(readme, 'utf8').split('\n');

/** The ts blocks between a heading and the next heading of any level, by file name. */
function blocksUnder(heading) {
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`${readme} has no "${heading}" heading; update test/consumers/quick-start.mjs.`);
  const files = new Map();
  let open;
  for (const line of lines.slice(start + 1)) {
    if (!open && /^#{1,3} /.test(line)) break;
    if (!open && line === '```ts') open = [];
    else if (open && line.startsWith('```')) {
      const name = /^\/\/ ([\w.-]+\.ts)\b/.exec(open[0] ?? '')?.[1];
      if (!name) throw new Error(`A quick start block has no "// name.ts" first line: ${open[0]}`);
      files.set(name, `${open.join('\n')}\n`);
      open = undefined;
    } else if (open) open.push(line);
  }
  if (files.size === 0) throw new Error(`No ts blocks under "${heading}" in ${readme}.`);
  return files;
}

function write(folder, files) {
  mkdirSync(join(dir, folder), { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, folder, name), text);
  console.log(`quick start: ${[...files.keys()].join(', ')} in ${join(dir, folder)}`);
}

const quickStart = blocksUnder('## Quick start');
write('quick-start', quickStart);
if (flag === '--fastify') write('quick-start-fastify', new Map([...quickStart, ...blocksUnder('### On Fastify')]));
