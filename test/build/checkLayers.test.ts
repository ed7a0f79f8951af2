import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { productRoot } from '../../engine/node/resources.js';

const root = productRoot();

/** Runs build/check-layers.mjs over a project folder; its exit status and what it printed. */
function checkLayers(project: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [join(root, 'build', 'check-layers.mjs'), project], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A project folder holding the given source files (path → text). */
function projectWith(files: Record<string, string>): string {
  const project = mkdtempSync(join(tmpdir(), 'pastiche-layers-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(project, path)), { recursive: true });
    writeFileSync(join(project, path), text);
  }
  return project;
}

describe('build/check-layers.mjs', () => {
  it('passes this repository', () => {
    const { status, output } = checkLayers(root);
    assert.equal(status, 0, output);
  });

  it('refuses an import cycle, type-only imports included, naming its files in order', () => {
    const project = projectWith({
      'engine/common/api/contract.ts':
        "import type { Cell } from '../grids/cell.js';\nexport type Request = { cell: Cell };\n",
      'engine/common/grids/cell.ts':
        "import { helper } from './helper.js';\nexport type Cell = ReturnType<typeof helper>;\n",
      'engine/common/grids/helper.ts':
        "import type { Request } from '../api/contract.js';\nexport const helper = (r?: Request) => r;\n",
      'engine/common/leaf.ts': 'export const leaf = 1;\n',
    });
    const { status, output } = checkLayers(project);
    assert.equal(status, 1, output);
    const cycle = ['api/contract.ts', 'grids/cell.ts', 'grids/helper.ts', 'api/contract.ts'];
    assert.ok(output.includes(`import cycle: ${cycle.map((file) => `engine/common/${file}`).join(' → ')}`), output);
    assert.doesNotMatch(output, /leaf\.ts/);
  });

  it('refuses a cycle between the renderer and the shell as well as within the engine', () => {
    const project = projectWith({
      'renderer/src/a.ts': "export { b } from './b.js';\nexport const a = 1;\n",
      'renderer/src/b.ts': "import { a } from './a.js';\nexport const b = a;\n",
      'electron/main/self.ts': "import './self.js';\n",
    });
    const { status, output } = checkLayers(project);
    assert.equal(status, 1, output);
    assert.match(output, /import cycle: renderer\/src\/a\.ts → renderer\/src\/b\.ts → renderer\/src\/a\.ts/);
    assert.match(output, /import cycle: electron\/main\/self\.ts → electron\/main\/self\.ts/);
  });

  it('accepts imports that only go one way', () => {
    const project = projectWith({
      'engine/common/a.ts': "import type { B } from './b.js';\nexport type A = B;\n",
      'engine/common/b.ts': "import { c } from './c.js';\nexport type B = typeof c;\n",
      'engine/common/c.ts': 'export const c = 1;\n',
    });
    const { status, output } = checkLayers(project);
    assert.equal(status, 0, output);
  });
});
