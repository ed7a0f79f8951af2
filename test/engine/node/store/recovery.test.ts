import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { openRunStore, type RunStore } from '../../../../engine/node/store/runStore.js';
import { fakeImage, rawDatabase, sampleRun, tempFolder, WEIGHTS_SHA256 } from './storeFixtures.js';

function startedRun(store: RunStore): number {
  const id = store.createRun(sampleRun(store)).id;
  store.startRun(id, 'wasm', WEIGHTS_SHA256);
  return id;
}

/** Makes the run look as if another process were running it. */
function giveToProcess(store: RunStore, id: number, pid: number): void {
  const db = rawDatabase(store);
  db.prepare('UPDATE runs SET owner_pid = ? WHERE id = ?').run(pid, id);
  db.close();
}

describe('recovering interrupted runs', () => {
  it('fails a run left running, keeping its latest preview as the partial result', () => {
    const home = tempFolder();
    const crashed = openRunStore(home);
    const id = startedRun(crashed);
    crashed.addOutput(id, 'preview', 3, fakeImage(crashed, 'preview 3').id);
    const latest = crashed.addOutput(id, 'preview', 6, fakeImage(crashed, 'preview 6').id);
    crashed.recordMetrics(id, [{ iteration: 6, total: 1, content: 1, style: 1, tv: 1, elapsedMs: 1 }]);
    crashed.close();

    const store = openRunStore(home);
    const run = store.run(id);
    assert.deepEqual(
      [run.status, run.error, run.iterationsDone],
      ['failed', 'interrupted: Pastiche stopped during the run', 6],
    );
    const partial = store.latestImage(id);
    assert.deepEqual([partial?.kind, partial?.iteration, partial?.image], ['partial', 6, latest.image]);
    assert.equal(store.recoverInterruptedRuns(), 0, 'once is enough');
    store.close();
  });

  it('fails an interrupted run without previews with no image', () => {
    const home = tempFolder();
    const crashed = openRunStore(home);
    const id = startedRun(crashed);
    crashed.close();
    const store = openRunStore(home);
    assert.equal(store.run(id).status, 'failed');
    assert.equal(store.latestImage(id), null);
    store.close();
  });

  it('leaves alone runs of a store that is still open, and counts the ones it recovers', () => {
    const home = tempFolder();
    const studio = openRunStore(home);
    const [first, second] = [startedRun(studio), startedRun(studio)];
    const queued = studio.createRun(sampleRun(studio)).id;
    const cli = openRunStore(home);
    assert.equal(cli.recoverInterruptedRuns(), 0);
    assert.equal(cli.run(first).status, 'running');
    studio.close();
    assert.equal(cli.recoverInterruptedRuns(), 2);
    assert.deepEqual(
      [first, second, queued].map((id) => cli.run(id).status),
      ['failed', 'failed', 'queued'],
    );
    cli.close();
  });

  it('leaves alone runs of another live process, and recovers those of one that has exited', () => {
    const store = openRunStore(tempFolder());
    const [alive, exited] = [startedRun(store), startedRun(store)];
    giveToProcess(store, alive, process.ppid);
    const gone = spawnSync(process.execPath, ['-e', '']);
    giveToProcess(store, exited, gone.pid);
    assert.equal(store.recoverInterruptedRuns(), 1);
    assert.deepEqual([store.run(alive).status, store.run(exited).status], ['running', 'failed']);
    store.close();
  });
});
