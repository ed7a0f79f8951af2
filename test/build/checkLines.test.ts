import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { productRoot } from '../../engine/node/resources.js';

const root = productRoot();

/** Runs build/check-lines.mjs over a project folder; its exit status and what it printed. */
function checkLines(project: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [join(root, 'build', 'check-lines.mjs'), project], {
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
      // The allow-list the tree was converted under is gone: a file it named is checked like any other.
      'build/tool.mjs': `${line(121)}\n`,
      'build/long-lines.allowed': 'build/tool.mjs\n',
    });
    const { status, output } = checkLines(project);
    assert.equal(status, 1, output);
    assert.match(output, /renderer\/src\/View\.svelte:2 \(121 characters\)/);
    assert.match(output, /test\/x\.test\.ts:3 \(130 characters\)/);
    assert.match(output, /build\/tool\.mjs:1 \(121 characters\)/);
    assert.doesNotMatch(output, /fits\.ts|notes\.md/);
  });
});
