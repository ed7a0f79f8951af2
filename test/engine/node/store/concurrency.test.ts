import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sha256Of } from '../../../../engine/node/store/media.js';
import { openStudio } from '../../../../engine/node/studio/studio.js';
import { cliPath } from '../../../helpers/cli.js';
import { useTestBackend } from '../../../helpers/tf.js';
import { writePicture } from '../../../helpers/trainingPhotos.js';
import { storeProblems } from '../../../crash/storeInvariants.js';
import { tempFolder } from './storeFixtures.js';

await useTestBackend();

const writerPath = join(dirname(fileURLToPath(import.meta.url)), 'storeWriter.js');

/** A child process's exit code and what it printed. */
function finished(command: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, command, {
    env: { ...process.env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const RUNS_PER_WRITER = 60;
const TINY = [
  '--size',
  '24',
  '--iterations',
  '3',
  '--network',
  'alexnet-random',
  '--content-layers',
  'conv2',
  '--style-layers',
  'conv1',
  '--preview-every',
  '1',
];

describe('the studio, two CLIs and two store writers on one store at once', () => {
  it('lose no row, duplicate none, and show no one SQLITE_BUSY', async () => {
    const home = tempFolder();
    const files = tempFolder('pastiche-concurrency-');
    const photo = await writePicture(join(files, 'photo.png'), 24, 16, 1);
    const painting = await writePicture(join(files, 'painting.png'), 16, 16, 2);
    const studio = await openStudio({ home, backend: 'wasm', version: 'test' });
    const cli = (name: string) =>
      (async () => {
        const results: Array<Awaited<ReturnType<typeof finished>>> = [];
        for (const step of ['stylize', 'runs', 'stylize']) {
          const args: string[] =
            step === 'runs'
              ? ['runs', '--json']
              : [
                  'stylize',
                  '--content',
                  photo,
                  '--style',
                  painting,
                  '--out',
                  join(files, `${name}-${results.length}.png`),
                  '--project',
                  name,
                  ...TINY,
                  '--json',
                ];
          results.push(await finished([cliPath, ...args], home));
        }
        return results;
      })();
    const writers = ['writer-a', 'writer-b'].map((label) =>
      finished([writerPath, home, label, String(RUNS_PER_WRITER)], home),
    );
    const clis = [cli('cli-a'), cli('cli-b')];
    const { handlers } = studio;
    const photoId = (await handlers['images.add']({ name: 'photo.png', bytes: readFileSync(photo) })).id;
    const paintingId = (await handlers['images.add']({ name: 'painting.png', bytes: readFileSync(painting) })).id;
    const settings = {
      network: 'alexnet-random',
      contentLayers: ['conv2'],
      styleLayers: [{ layer: 'conv1', weight: 1 }],
      size: 24,
      iterations: 3,
      previewEvery: 1,
    };
    const queued = [];
    for (let i = 0; i < 3; i++)
      queued.push(
        (
          await handlers['runs.queue']({
            project: 'studio',
            contentImageId: photoId,
            styleImageIds: [paintingId],
            settings,
          })
        ).runId,
      );

    for (const result of await Promise.all(writers)) {
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.equal(JSON.parse(result.stdout).finished.length, RUNS_PER_WRITER);
    }
    for (const result of (await Promise.all(clis)).flat()) {
      assert.equal(result.code, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /SQLITE|locked|internal error/);
    }
    while (
      (await handlers['runs.list']({ project: 'studio' })).some(
        (run) => run.status === 'queued' || run.status === 'running',
      )
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await studio.close();

    const db = new Database(join(home, 'pastiche.db'), { readonly: true });
    const count = (sql: string, ...args: unknown[]) =>
      db
        .prepare(sql)
        .pluck()
        .get(...args) as number;
    assert.deepEqual(
      db
        .prepare(
          "SELECT name, count(*) AS runs, sum(status = 'done') AS done FROM runs JOIN projects ON projects.id = " +
            'project_id GROUP BY name ORDER BY name',
        )
        .all(),
      [
        { name: 'cli-a', runs: 2, done: 2 },
        { name: 'cli-b', runs: 2, done: 2 },
        { name: 'studio', runs: 3, done: 3 },
        { name: 'writer-a', runs: RUNS_PER_WRITER, done: RUNS_PER_WRITER },
        { name: 'writer-b', runs: RUNS_PER_WRITER, done: RUNS_PER_WRITER },
      ],
    );
    const writerImages = ['writer-a', 'writer-b']
      .flatMap((label) =>
        Array.from({ length: RUNS_PER_WRITER }, (_, i) => [`${label} preview ${i}`, `${label} result ${i}`]),
      )
      .flat();
    const shas = writerImages.map((text) => sha256Of(new TextEncoder().encode(text)));
    assert.equal(
      count(`SELECT count(*) FROM images WHERE sha256 IN (SELECT value FROM json_each(?))`, JSON.stringify(shas)),
      shas.length,
      'every image written is recorded once',
    );
    assert.equal(
      count("SELECT count(*) FROM run_outputs WHERE kind = 'result'"),
      2 * RUNS_PER_WRITER + 7,
      'one result per run',
    );
    assert.equal(
      count(
        'SELECT count(*) FROM run_metrics JOIN runs ON runs.id = run_id JOIN projects ON projects.id = project_id ' +
          'WHERE projects.name LIKE ?',
        'writer-%',
      ),
      2 * RUNS_PER_WRITER * 3,
    );
    db.close();
    assert.deepEqual(storeProblems(home), []);
  });
});
