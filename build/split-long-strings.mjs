#!/usr/bin/env node
// Splits what prettier cannot break on a line over 120 characters: its longest string or template
// literal becomes two joined by `+` (`'… ' + '…'`), cut at a space near its middle and never inside a
// `${…}`; a regular expression standing alone on its line (an argument, or a value ending in `;`)
// becomes `new RegExp(String.raw`…` + String.raw`…`, flags)`, the same pattern, and a line with any
// other regular expression is left whole, since quotes inside a pattern are not strings. Run prettier
// afterwards to lay the pieces out, and this again until nothing changes. In a Svelte component only
// the <script> is touched: markup needs a person.
//   node build/split-long-strings.mjs PATH…
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sourceFiles } from './sourceFiles.mjs';

const LIMIT = 120;
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|svelte)$/;

/** Skips a quoted literal inside `${…}` from its opening quote; returns the index of its closing quote. */
function skipQuoted(line, at) {
  const quote = line[at];
  let end = at + 1;
  while (end < line.length && line[end] !== quote) end += line[end] === '\\' ? 2 : 1;
  return end;
}

/** The string and template literals that open and close on this line: their spans and `${…}` holes. */
function literals(line) {
  const found = [];
  for (let at = 0; at < line.length; at += 1) {
    const quote = line[at];
    if (quote === '/' && line[at + 1] === '/') break;
    if (quote !== "'" && quote !== '"' && quote !== '`') continue;
    const start = at;
    const holes = [];
    let depth = 0;
    let holeStart = -1;
    for (at += 1; at < line.length; at += 1) {
      const char = line[at];
      if (char === '\\') at += 1;
      else if (depth > 0) {
        if (char === "'" || char === '"' || char === '`') at = skipQuoted(line, at);
        else if (char === '{') depth += 1;
        else if (char === '}' && --depth === 0) holes.push([holeStart, at]);
      } else if (quote === '`' && char === '$' && line[at + 1] === '{') {
        depth = 1;
        holeStart = at;
        at += 1;
      } else if (char === quote) break;
    }
    if (at >= line.length) return found;
    found.push({ start, end: at, quote, holes });
  }
  return found;
}

/** The index just after the space nearest the middle of `text[from..to)` that `allowed` accepts; -1 if none. */
function middleSpace(text, from, to, allowed = () => true) {
  const middle = (from + to) / 2;
  let best = -1;
  for (let at = from + 1; at < to - 1; at += 1) {
    if (text[at] !== ' ' || text[at - 1] === '\\' || !allowed(at)) continue;
    if (best < 0 || Math.abs(at + 1 - middle) < Math.abs(best - middle)) best = at + 1;
  }
  return best;
}

/** A `/` where an operand must come (line start, after `(`, `,`, `=`…): a regular expression, never a division. */
const REGEXP_START = /(^|[(,=:[!&|?{};]|\breturn)\s*\/(?![/*])/;

/** The line with its longest literal split in two, or null when nothing on it can be split safely. */
function splitLiteral(line) {
  const literal = literals(line).sort((a, b) => b.end - b.start - (a.end - a.start))[0];
  if (literal === undefined || literal.end - literal.start < 24) return null;
  const { start, end, quote, holes } = literal;
  if (quote === '`' && /[\w$)\]]/.test(line[start - 1] ?? '')) return null; // a tagged template
  if (REGEXP_START.test(line)) return null;
  const before = line.slice(0, start);
  const after = line.slice(end + 1);
  if (/^[.[]/.test(after) || /\b(import|from|case)\s*$|[|&]\s*$/.test(before)) return null;
  if (/^\s*:/.test(after) && /(^|[{,])\s*$/.test(before)) return null; // an object's key
  const cut = middleSpace(line, start, end, (at) => !holes.some(([from, to]) => at >= from && at <= to));
  if (cut < 0) return null;
  return `${line.slice(0, cut)}${quote} + ${quote}${line.slice(cut)}`;
}

/** A line holding only a regular expression, as `new RegExp` of two String.raw parts; else null. */
function splitRegExp(line) {
  const match = /^(\s*)\/(.+)\/([dgimsuy]*)([,;]?)$/.exec(line);
  if (match === null || /`|\$\{/.test(match[2])) return null;
  const [, indent, body, flags, end] = match;
  const cut = middleSpace(body, 0, body.length);
  if (cut < 0) return null;
  return [
    `${indent}new RegExp(`,
    `${indent}  String.raw\`${body.slice(0, cut)}\` +`,
    `${indent}    String.raw\`${body.slice(cut)}\`${flags === '' ? '' : `, '${flags}'`},`,
    `${indent})${end}`,
  ].join('\n');
}

/** The file's text with each line over the limit split once, where it can be; a component's markup is left alone. */
export function splitLongStrings(text, { svelte = false } = {}) {
  let inScript = !svelte;
  return text
    .split('\n')
    .map((line) => {
      if (svelte && /^\s*<script\b/.test(line)) inScript = !line.includes('</script>');
      else if (svelte && /<\/script>/.test(line)) inScript = false;
      else if (inScript && [...line].length > LIMIT) return splitRegExp(line) ?? splitLiteral(line) ?? line;
      return line;
    })
    .join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  let changed = 0;
  for (const file of process.argv.slice(2).flatMap((path) => [...sourceFiles(path, (file) => SOURCE.test(file))])) {
    const text = readFileSync(file, 'utf8');
    const split = splitLongStrings(text, { svelte: file.endsWith('.svelte') });
    if (split === text) continue;
    writeFileSync(file, split);
    changed += 1;
  }
  console.log(`${changed} file(s) with long strings split: run prettier on them, then this again until none changes.`);
}
