import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

export interface Report {
  /** One line saying what ran and how. */
  header: string;
  /** A markdown table. */
  table: string;
  data: unknown;
  svg?: string;
}

/** Writes `<dir>/<name>.md` and `.json` (and `.svg`), and prints the table. */
export function writeReport(dir: string, name: string, { header, table, data, svg }: Report): void {
  mkdirSync(dir, { recursive: true });
  const stem = `${dir}/${name}`;
  writeFileSync(`${stem}.json`, JSON.stringify({ header, data }, null, 2));
  writeFileSync(`${stem}.md`, `${header}\n\n${table}\n`);
  if (svg) writeFileSync(`${stem}.svg`, svg);
  console.log(`${header}\n\n${table}\n\nWrote ${stem}.md, .json${svg ? ' and .svg' : ''}`);
}

export function markdownTable(columns: string[], align: string[], rows: string[][]): string {
  return [`| ${columns.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}
