#!/usr/bin/env node
// Rewraps comments wider than the line limit, which prettier leaves as they are: `//` lines and JSDoc
// `*` lines are refilled with the paragraph they start (keeping their indentation, prefix and a list
// item's hanging indent), a one-line `/** … */` over the limit becomes a block, and a `// …` after code
// moves onto its own lines above that code. Words are never split, so a long URL keeps its own line.
//   node build/wrap-comments.mjs [--check] PATH…   (folders are walked; --check lists, changes nothing)
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceFiles } from './sourceFiles.mjs';

export const LIMIT = 120;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|svelte)$/;
/** Comments whose words tools read: a directive must stay on one line, right above its code. */
const DIRECTIVE = /@ts-|eslint-|prettier-ignore|svelte-ignore|istanbul|c8 ignore|#region|#endregion|^\s*\/\/\//;
const LIST_ITEM = /^(?:[-*•+]|\d+[.)])\s+/;

/** A comment line's parts: indentation, prefix (`// ` or ` * `) and text; null for any other line. */
function commentLine(line) {
  const match = /^(\s*)(\/\/|\*)( ?)(.*)$/.exec(line);
  if (match === null || (match[2] === '*' && match[4].startsWith('/'))) return null;
  return { head: match[1] + match[2] + (match[4] === '' ? '' : ' '), text: match[4], star: match[2] === '*' };
}

/** Whether line `index` (starting with `*`) lies inside a `/* … *\/` block opened above it. */
function insideBlock(lines, index) {
  for (let at = index - 1; at >= 0; at -= 1) {
    if (/^\s*\/\*/.test(lines[at])) return !lines[at].includes('*/');
    if (!/^\s*\*/.test(lines[at]) || lines[at].includes('*/')) return false;
  }
  return false;
}

/** Fills words into lines of at most `width` characters after `first` (then `rest`) prefixes. */
function fill(words, first, rest, width = LIMIT) {
  const lines = [];
  let line = first;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else line = empty ? line + word : `${line} ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}

/** Whether `text` continues the paragraph above it rather than starting a list item, a tag or an example. */
function continues(text, indent) {
  if (text.trim() === '' || DIRECTIVE.test(text) || !text.startsWith(indent) || /\s/.test(text[indent.length])) {
    return false;
  }
  const body = text.slice(indent.length);
  return !body.startsWith('@') && !LIST_ITEM.test(body) && !body.startsWith('```');
}

/** The paragraph of comment lines starting at `index`, refilled; returns [lines consumed, new lines]. */
function refill(lines, index) {
  const start = commentLine(lines[index]);
  const lead = /^\s*/.exec(start.text)[0];
  const item = LIST_ITEM.exec(start.text.slice(lead.length));
  const indent = lead + ' '.repeat(item === null ? 0 : item[0].length);
  const words = start.text.split(/\s+/).filter(Boolean);
  let end = index + 1;
  for (; end < lines.length; end += 1) {
    const next = commentLine(lines[end]);
    if (next === null || next.head.trimEnd() !== start.head.trimEnd() || next.text.includes('*/')) break;
    if (!continues(next.text, indent)) break;
    words.push(...next.text.split(/\s+/).filter(Boolean));
  }
  return [end - index, fill(words, start.head + lead, start.head + indent)];
}

/** The column where a trailing `//` comment starts, outside strings; -1 when there is none. */
function trailingComment(line) {
  let quote = null;
  for (let at = 0; at < line.length; at += 1) {
    const char = line[at];
    if (quote !== null) {
      if (char === '\\') at += 1;
      else if (char === quote) quote = null;
    } else if (char === "'" || char === '"' || char === '`') quote = char;
    else if (char === '/' && line[at + 1] === '/' && at > 0 && /\s/.test(line[at - 1])) {
      return line.slice(0, at).trim() === '' ? -1 : at;
    } else if (char === '/' && (line[at + 1] === '*' || /[=(,:!&|?{};]\s*$/.test(line.slice(0, at)))) return -1;
  }
  return -1;
}

/** The file's text with its long comments rewrapped. */
export function wrapComments(text, { trailing = true } = {}) {
  const lines = text.split('\n');
  const out = [];
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index];
    if (line.length <= LIMIT || DIRECTIVE.test(line)) {
      out.push(line);
      continue;
    }
    const oneLine = /^(\s*)\/\*\*\s+(.*?)\s*\*\/$/.exec(line);
    const comment = commentLine(line);
    if (oneLine !== null) {
      const indent = oneLine[1];
      out.push(`${indent}/**`, ...fill(oneLine[2].split(/\s+/), `${indent} * `, `${indent} * `), `${indent} */`);
    } else if (comment !== null && (!comment.star || insideBlock(lines, index))) {
      const [consumed, refilled] = refill(lines, index);
      out.push(...refilled);
      index += consumed - 1;
    } else if (trailing && trailingComment(line) > 0) {
      const at = trailingComment(line);
      const indent = /^\s*/.exec(line)[0];
      const words = line
        .slice(at + 2)
        .trim()
        .split(/\s+/);
      out.push(...fill(words, `${indent}// `, `${indent}// `), line.slice(0, at).trimEnd());
    } else out.push(line);
  }
  return out.join('\n');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const check = process.argv.includes('--check');
  const paths = process.argv.slice(2).filter((arg) => arg !== '--check');
  if (paths.length === 0) {
    console.error('usage: node build/wrap-comments.mjs [--check] PATH…');
    process.exit(2);
  }
  let changed = 0;
  for (const file of paths.flatMap((path) => [...sourceFiles(path, (file) => SOURCE.test(file))])) {
    const text = readFileSync(file, 'utf8');
    const wrapped = wrapComments(text, { trailing: !file.endsWith('.svelte') });
    if (wrapped === text) continue;
    changed += 1;
    if (check) console.log(file);
    else writeFileSync(file, wrapped);
  }
  console.log(`${changed} file(s) ${check ? 'would change' : 'rewrapped'}.`);
}
