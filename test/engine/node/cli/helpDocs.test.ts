import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliSandbox } from '../../../helpers/cli.js';

/**
 * `pastiche COMMAND --help` and docs/cli.md list the same commands and the same options, both ways:
 * an option added to the CLI without its line in the docs, or documented but gone, fails here.
 */
const docsFile = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../docs/cli.md');
const { pastiche } = cliSandbox();

/** The lines of one section of commander's help ("Options:", "Commands:", …), up to the next blank line. */
function helpSection(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.trim() === '');
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function helpOf(command: readonly string[]): string {
  const result = pastiche(...command, '--help');
  assert.equal(result.code, 0, `pastiche ${command.join(' ')} --help: ${result.stderr}`);
  return result.stdout;
}

/** Every command path (`stylize`, `models install`, …) with its long options, read from the help itself. */
function helpCommands(parent: readonly string[] = []): Map<string, string[]> {
  const help = helpOf(parent);
  const found = new Map<string, string[]>();
  if (parent.length > 0) found.set(parent.join(' '), longOptions(helpSection(help, 'Options')));
  const children = helpSection(help, 'Commands')
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => !!name && name !== 'help');
  for (const child of children)
    for (const [path, options] of helpCommands([...parent, child])) found.set(path, options);
  return found;
}

function longOptions(lines: readonly string[]): string[] {
  return lines
    .map((line) => /^ {2}(?:-\w, )?(--[\w-]+)/.exec(line)?.[1])
    .filter((option): option is string => !!option && option !== '--help')
    .sort();
}

/** docs/cli.md's commands: each "## `pastiche NAME <arg>`" heading with the options its table lists. */
function documentedCommands(markdown: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    const heading = /^## `pastiche ([^`]+)`/.exec(line);
    if (heading) {
      current = [];
      const path = heading[1]!.split(' ').filter((word) => !word.startsWith('<'));
      found.set(path.join(' '), current);
    } else if (line.startsWith('## ')) {
      current = null;
    }
    const option = /^\| `(--[\w-]+)/.exec(line)?.[1];
    if (current && option) current.push(option);
  }
  for (const options of found.values()) options.sort();
  return found;
}

describe('the CLI help and docs/cli.md', () => {
  const help = helpCommands();
  const docs = documentedCommands(readFileSync(docsFile, 'utf8'));

  it('name the same commands', () => {
    assert.ok(help.size >= 11, `only ${help.size} commands found in --help`);
    assert.deepEqual([...docs.keys()].sort(), [...help.keys()].sort());
  });

  it('list the same options for every command, both ways', () => {
    for (const [command, options] of help) {
      const documented = docs.get(command) ?? [];
      const undocumented = options.filter((option) => !documented.includes(option));
      const gone = documented.filter((option) => !options.includes(option));
      assert.deepEqual(undocumented, [], `pastiche ${command}: in --help, missing from docs/cli.md`);
      assert.deepEqual(gone, [], `pastiche ${command}: in docs/cli.md, not in --help`);
    }
  });

  it('document every environment variable the help names', () => {
    const variables = helpSection(helpOf([]), 'Environment').map((line) => /^ {2}(PASTICHE_\w+)/.exec(line)?.[1]);
    assert.ok(variables.length >= 4, 'the top-level help lists the environment');
    const markdown = readFileSync(docsFile, 'utf8');
    for (const variable of variables)
      assert.ok(markdown.includes(`\`${variable}\``), `${variable} is not in docs/cli.md`);
  });
});
