import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIB = dirname(fileURLToPath(import.meta.url));

/**
 * The layers of lib/, outermost last. A file imports only from its own layer or those below,
 * so calls go one way: facade → handshake and lifecycle → identity, delivery, clients → wire,
 * http, options and the ports → support. CONTRIBUTING.md explains each.
 */
const LAYERS: [number, RegExp][] = [
  [0, /^(support\/|sse\.constants\.ts$|sse\.errors\.ts$)/],
  [1, /^(wire\/|http\/|options\/|client-id\/|no-reconnect\/|event-log\/|backplane\/|redis\/|sse\.providers\.ts$)/],
  [3, /^(handshake\/|cluster\/|clients\/client-(lifecycle|welcome)\.ts$)/],
  [2, /^(identity\/|delivery\/|clients\/)/],
  [4, /^(sse\.service\.ts|sse\.parts\.ts|sse\.module\.ts|sse\.module-definition\.ts|sse\.tokens\.ts|index\.ts|testing\/|observability\/)/],
];
const MAX_LINES = 220;

function sources(dir = LIB): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [relative(LIB, path)] : [];
  });
}

/** The lib/ files `file` imports, types included: a cycle of types is a cycle all the same. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(LIB, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
  return specifiers.map((specifier) => relative(LIB, resolve(LIB, dirname(file), specifier)).replace(/\.js$/, '.ts'));
}

function layerOf(file: string): number {
  const layer = LAYERS.find(([, pattern]) => pattern.test(file));
  if (!layer) throw new Error(`${file} is in no layer; add its folder to LAYERS in architecture.spec.ts and to CONTRIBUTING.md.`);
  return layer[0];
}

describe('the layout of lib/', () => {
  const files = sources();
  const graph = new Map(files.map((file) => [file, importsOf(file)]));

  it('has every file in a layer, importing only from its own layer or those below', () => {
    const upward = files.flatMap((file) =>
      graph
        .get(file)!
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('has nothing below the facade import SseService', () => {
    const importers = files.filter((file) => layerOf(file) < 4 && graph.get(file)!.includes('sse.service.ts'));
    expect(importers).toEqual([]);
  });

  it(`keeps every file under ${MAX_LINES} lines`, () => {
    const long = files
      .map((file) => [file, readFileSync(join(LIB, file), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
