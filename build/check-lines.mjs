#!/usr/bin/env node
// Refuses source lines wider than 120 characters in engine/, electron/, renderer/, test/ and build/,
// naming each as file:line, so code reads without scrolling sideways (`npm run format` and
// build/wrap-comments.mjs fix most). Files listed in build/long-lines.allowed are let through while
// the tree is being converted; once none is left, that file goes and every line is checked.
//   node build/check-lines.mjs [ROOT] [--update-allowed]   (the latter lists today's offenders there)
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT = 120;
const FOLDERS = ['engine', 'electron', 'renderer', 'test', 'build'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|svelte|css|html|py)$/;
const ALLOWED = join('build', 'long-lines.allowed');

const args = process.argv.slice(2);
const update = args.includes('--update-allowed');
const root = resolve(args.find((arg) => !arg.startsWith('--')) ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

function* sourceFiles(dir) {
  let entries;
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(name)) yield path;
  }
}

/** Each line over the limit: `file:line (N characters)`, counting characters, not UTF-16 units. */
function longLines(file) {
  const name = relative(root, file).split(sep).join('/');
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, index) => {
      const width = [...line.replace(/\r$/, '')].length;
      return width > LIMIT ? [{ name, where: `${name}:${index + 1} (${width} characters)` }] : [];
    });
}

/** The allow-list's paths: one a line, `#` starting a comment. */
function allowedFiles() {
  const path = join(root, ALLOWED);
  if (!existsSync(path)) return new Set();
  const lines = readFileSync(path, 'utf8').split('\n');
  return new Set(lines.map((line) => line.replace(/#.*/, '').trim()).filter(Boolean));
}

const found = FOLDERS.flatMap((folder) => [...sourceFiles(join(root, folder))]).flatMap(longLines);
if (update) {
  const files = [...new Set(found.map((line) => line.name))];
  if (files.length === 0) {
    if (existsSync(join(root, ALLOWED))) unlinkSync(join(root, ALLOWED));
    console.log(`No line is over ${LIMIT} characters: ${ALLOWED} is not needed.`);
  } else {
    const header = [
      `# Files that may still hold lines over ${LIMIT} characters; build/check-lines.mjs refuses them in any other.`,
      '# To empty it: npm run format (prettier, then build/wrap-comments.mjs), build/split-long-strings.mjs and',
      '# prettier until nothing changes, hand edits for the rest, then node build/check-lines.mjs --update-allowed.',
      '',
    ].join('\n');
    writeFileSync(join(root, ALLOWED), header + files.join('\n') + '\n');
    console.log(`${files.length} file(s) listed in ${ALLOWED}.`);
  }
  process.exit(0);
}
const allowed = allowedFiles();
const refused = found.filter((line) => !allowed.has(line.name));
const done = [...allowed].filter((name) => !found.some((line) => line.name === name));
if (done.length > 0)
  console.log(`Within ${LIMIT} characters now, so no longer needed in ${ALLOWED}: ${done.join(', ')}`);
if (refused.length > 0) {
  console.error(
    `Line check failed: ${refused.length} line(s) over ${LIMIT} characters (npm run format wraps most code` +
      ` and comments, build/split-long-strings.mjs long strings):\n` +
      refused.map((line) => '  ' + line.where).join('\n'),
  );
  process.exit(1);
}
