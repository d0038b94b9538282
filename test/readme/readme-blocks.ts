import { readFileSync } from 'node:fs';

/** A fenced `ts` block of a markdown file, as a file of its own in the section it sits in. */
export interface CodeBlock {
  /** The `##` or `###` heading the block sits under. */
  section: string;
  /** The `##` heading above it. */
  chapter: string;
  /** From a first line `// name.ts`, else made up from the line it starts on. */
  file: string;
  /** Line in the markdown file of the block's first line of code (1-based). */
  line: number;
  code: string;
  /** Marked with a first line `// fragment: ...`: part of a file, not type-checked alone. */
  fragment: boolean;
}

const FILE_NAME = /^\/\/ ([\w.-]+\.ts)\b/;
const FRAGMENT = /^\/\/ fragment\b/i;

export function codeBlocks(markdownPath: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let section = '';
  let chapter = '';
  let open: { line: number; lines: string[] } | undefined;
  let fenced = false;
  readFileSync(markdownPath, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (open) {
        if (text.startsWith('```')) {
          blocks.push(toBlock(section, chapter, open.line, open.lines));
          open = undefined;
        } else open.lines.push(text);
        return;
      }
      if (text.startsWith('```')) {
        // Only ts blocks are collected; other fences are skipped whole.
        if (/^```(ts|typescript)\s*$/.test(text)) open = { line: index + 2, lines: [] };
        else fenced = !fenced;
        return;
      }
      if (fenced || !/^#{2,3} /.test(text)) return;
      section = text.replace(/^#+ /, '');
      if (text.startsWith('## ')) chapter = section;
    });
  return blocks;
}

function toBlock(section: string, chapter: string, line: number, lines: string[]): CodeBlock {
  const first = lines[0] ?? '';
  return {
    section,
    chapter,
    file: FILE_NAME.exec(first)?.[1] ?? `block-at-line-${line}.ts`,
    line,
    code: lines.join('\n'),
    fragment: FRAGMENT.test(first),
  };
}

/**
 * The files each section compiles as: those of the quick start, then those of its chapter, then its
 * own, a later one replacing an earlier one of the same name. So a block may import `./app.module.js`
 * from the quick start, and a subsection change one file of its chapter's example.
 */
export function sectionFiles(blocks: CodeBlock[], quickStart: string): Map<string, Map<string, CodeBlock>> {
  const byName = (of: CodeBlock[]) => new Map(of.map((block) => [block.file, block]));
  const inSection = (section: string) => blocks.filter((block) => block.section === section);
  const sections = new Map<string, Map<string, CodeBlock>>();
  for (const section of new Set(blocks.map((block) => block.section))) {
    const chapter = inSection(section)[0]!.chapter;
    sections.set(section, new Map([...byName(inSection(quickStart)), ...byName(inSection(chapter)), ...byName(inSection(section))]));
  }
  return sections;
}
