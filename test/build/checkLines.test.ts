import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { productRoot } from '../../engine/node/resources.js';

const root = productRoot();

/** Runs build/check-lines.mjs over a project folder; its exit status and what it printed. */
function checkLines(project: string, ...flags: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [join(root, 'build', 'check-lines.mjs'), project, ...flags], {
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A project folder holding the given files (path → text). */
function projectWith(files: Record<string, string>): string {
  const project = mkdtempSync(join(tmpdir(), 'pastiche-lines-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  return project;
}

const line = (width: number): string => `const x = '${'a'.repeat(width - 13)}';`;

describe('build/check-lines.mjs', () => {
  it('passes this repository', () => {
    const { status, output } = checkLines(root);
    assert.equal(status, 0, output);
  });

  it('refuses each line over 120 characters, naming file:line, and lets 120 through', () => {
    assert.equal(line(121).length, 121);
    const project = projectWith({
      'engine/common/fits.ts': `${line(120)}\n${'é'.repeat(120)}\n`,
      'renderer/src/View.svelte': `<script>\n${line(121)}\n</script>\n`,
      'test/x.test.ts': `\n\n${line(130)}\n`,
      'docs/notes.md': `${line(200)}\n`,
    });
    const { status, output } = checkLines(project);
    assert.equal(status, 1, output);
    assert.match(output, /renderer\/src\/View\.svelte:2 \(121 characters\)/);
    assert.match(output, /test\/x\.test\.ts:3 \(130 characters\)/);
    assert.doesNotMatch(output, /fits\.ts|notes\.md/);
  });

  it('lets the files on the allow-list through, and lists them with --update-allowed', () => {
    const project = projectWith({ 'build/tool.mjs': `${line(121)}\n`, 'engine/ok.ts': `${line(80)}\n` });
    assert.equal(checkLines(project).status, 1);
    assert.equal(checkLines(project, '--update-allowed').status, 0);
    const listed = readFileSync(join(project, 'build', 'long-lines.allowed'), 'utf8');
    assert.deepEqual(
      listed.split('\n').filter((entry) => entry !== '' && !entry.startsWith('#')),
      ['build/tool.mjs'],
    );
    const { status, output } = checkLines(project);
    assert.equal(status, 0, output);
    writeFileSync(join(project, 'engine', 'ok.ts'), `${line(121)}\n`);
    assert.match(checkLines(project).output, /engine\/ok\.ts:1 \(121 characters\)/);
  });
});
