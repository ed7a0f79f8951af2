#!/usr/bin/env node
// Refuses source lines wider than 120 characters in engine/, electron/, renderer/, test/ and build/,
// naming each as file:line, so code reads without scrolling sideways (`npm run format` and
// build/wrap-comments.mjs fix most, build/split-long-strings.mjs long strings). Every file is checked.
//   node build/check-lines.mjs [ROOT]
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceFiles } from './sourceFiles.mjs';

const LIMIT = 120;
const FOLDERS = ['engine', 'electron', 'renderer', 'test', 'build'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|svelte|css|html|py)$/;

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

/** Each line over the limit: `file:line (N characters)`, counting characters, not UTF-16 units. */
function longLines(file) {
  const name = relative(root, file).split(sep).join('/');
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      const width = [...line.replace(/\r$/, '')].length;
      return width > LIMIT ? [`${name}:${index + 1} (${width} characters)`] : [];
    });
}

const found = FOLDERS.flatMap((folder) => [...sourceFiles(join(root, folder), (file) => SOURCE.test(file))]).flatMap(
  longLines,
);
if (found.length > 0) {
  console.error(
    `Line check failed: ${found.length} line(s) over ${LIMIT} characters (npm run format wraps most code` +
      ` and comments, build/split-long-strings.mjs long strings):\n` +
      found.map((where) => '  ' + where).join('\n'),
  );
  process.exit(1);
}
