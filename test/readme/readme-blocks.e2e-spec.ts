import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { type CodeBlock, codeBlocks, sectionFiles } from './readme-blocks.js';

const ROOT = resolve('.');
/** Inside the repository, so that the blocks' imports of Nest, Redis and the rest resolve from node_modules. */
const WORK = join(ROOT, 'node_modules', '.cache', 'readme-blocks');

/**
 * How the blocks are compiled: as a Nest 12 app (ESM) and as a Nest 11 app (CommonJS) would
 * compile them, against the built package's types for each (dist/index.d.ts and .d.cts).
 */
const FLAVORS = {
  esm: { type: 'module', types: 'd.ts' },
  cjs: { type: 'commonjs', types: 'd.cts' },
} as const;

function compilerOptions(types: string): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    paths: {
      'nestjs-sse': [join(ROOT, `dist/index.${types}`)],
      'nestjs-sse/testing': [join(ROOT, `dist/testing/index.${types}`)],
    },
  };
}

/** Writes each section's files into a folder of its own, so `./events.controller.js` finds its neighbour. */
function writeBlocks(blocks: CodeBlock[], flavor: keyof typeof FLAVORS): Map<string, CodeBlock> {
  const dir = join(WORK, flavor);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: FLAVORS[flavor].type }));
  const files = new Map<string, CodeBlock>();
  [...sectionFiles(blocks, 'Quick start').values()].forEach((sectionBlocks, index) => {
    const folder = join(dir, `section-${index}`);
    mkdirSync(folder);
    for (const [name, block] of sectionBlocks) {
      writeFileSync(join(folder, name), block.code);
      files.set(join(folder, name), block);
    }
  });
  return files;
}

function describeDiagnostic(diagnostic: ts.Diagnostic, files: Map<string, CodeBlock>): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  const block = diagnostic.file && files.get(resolve(diagnostic.file.fileName));
  if (!diagnostic.file || diagnostic.start === undefined || !block) return `TS${diagnostic.code}: ${message}`;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `README.md:${block.line + line} (${block.section}, ${block.file}) TS${diagnostic.code}: ${message}`;
}

describe('README code blocks', () => {
  const blocks = codeBlocks(join(ROOT, 'README.md'));
  const whole = blocks.filter((block) => !block.fragment);

  it('are found, each file named once in its section, and but a few are fragments', () => {
    expect(whole.length).toBeGreaterThan(20);
    const names = whole.map((block) => `${block.section}/${block.file}`);
    expect(names.filter((name, index) => names.indexOf(name) !== index)).toEqual([]);
    expect(blocks.filter((block) => block.fragment).length).toBeLessThanOrEqual(3);
  });

  it.each(Object.entries(FLAVORS))(
    'type-check as a %s app against the built package',
    (flavor, { types }) => {
      expect(existsSync(join(ROOT, `dist/index.${types}`)) ? 'built' : 'dist/ is missing: run npm run build first').toBe('built');
      const files = writeBlocks(whole, flavor as keyof typeof FLAVORS);
      const program = ts.createProgram([...files.keys()], compilerOptions(types));
      const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => describeDiagnostic(diagnostic, files));
      expect(problems).toEqual([]);
    },
    60_000,
  );
});
