import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { sampleRun, WEIGHTS_SHA256 } from './storeFixtures.js';

// A process writing one store as a run does, as fast as it can, for the concurrency test:
// `node storeWriter.js HOME LABEL RUNS`. Prints the ids of the runs it finished, or its error, and exits.

const [home, label, count] = process.argv.slice(2);
const store = openRunStore(home);
const finished: number[] = [];
try {
  for (let i = 0; i < Number(count); i++) {
    const { id } = store.createRun({ ...sampleRun(store), project: label });
    store.startRun(id, 'wasm', WEIGHTS_SHA256);
    store.recordMetrics(
      id,
      [0, 1, 2].map((iteration) => ({ iteration, total: i, content: 1, style: 1, tv: 1, elapsedMs: iteration })),
    );
    const preview = store.addImage(new TextEncoder().encode(`${label} preview ${i}`), {
      originalName: null,
      width: 4,
      height: 4,
      format: 'png',
    });
    store.addOutput(id, 'preview', 1, preview.id);
    const result = store.addImage(new TextEncoder().encode(`${label} result ${i}`), {
      originalName: null,
      width: 4,
      height: 4,
      format: 'png',
    });
    store.finishRun(id, { imageId: result.id, iteration: 2 });
    finished.push(id);
  }
  console.log(JSON.stringify({ finished }));
} catch (error) {
  console.log(
    JSON.stringify({ finished, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }),
  );
  process.exitCode = 1;
} finally {
  store.close();
}
