import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import sharp from 'sharp';
import type { DeviceBackend } from '../../../../engine/common/api/computeProtocol.js';
import { serveCompute } from '../../../../engine/common/compute/computeServer.js';
import { computePort } from '../../../../engine/common/compute/messagePort.js';
import { NEURAL_STYLE_DEFAULTS, resolveSettings } from '../../../../engine/common/stylize/settings.js';
import { selectBackend } from '../../../../engine/node/backend.js';
import { runStylize } from '../../../../engine/node/runs/stylizeRun.js';
import { openRunStore } from '../../../../engine/node/store/runStore.js';
import { connectComputeDevice } from '../../../../engine/node/studio/computeDevice.js';

// The engine's side of a compute device, against the protocol's own server in this thread (on wasm,
// named as a GPU backend would be): what the studio's worker does with the engine window's port.
await selectBackend('wasm');
const folder = mkdtempSync(join(tmpdir(), 'pastiche-device-'));
const photo = join(folder, 'photo.png');
await sharp({ create: { width: 40, height: 32, channels: 3, background: '#a64' } })
  .composite([
    {
      input: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" ' +
          'height="32"><circle cx="14" cy="16" r="9" fill="#fff"/></svg>',
      ),
    },
  ])
  .png()
  .toFile(photo);
const settings = (iterations: number) =>
  resolveSettings({
    ...NEURAL_STYLE_DEFAULTS,
    size: 24,
    iterations,
    previewEvery: 2,
    contentLayers: ['conv2_1'],
    styleLayers: [{ layer: 'conv1_1', weight: 1 }],
  });

function deviceServing(backend: DeviceBackend) {
  const { port1, port2 } = new MessageChannel();
  serveCompute(computePort(port2), backend);
  return { port: computePort(port1), close: () => port2.close() };
}

describe('a compute device', () => {
  it('is let go when it started no GPU backend', async () => {
    const { port, close } = deviceServing({ name: 'cpu', description: 'plain JavaScript' });
    const attached = await connectComputeDevice(port);
    assert.equal(attached.device, undefined);
    assert.equal(attached.backend.name, 'cpu');
    close();
  });

  it('computes a recorded stylization, which records its backend, metrics, previews and result', async () => {
    const { port, close } = deviceServing({ name: 'webgl', description: 'stands in for the engine window' });
    const { device } = await connectComputeDevice(port);
    assert.ok(device);
    const store = openRunStore(mkdtempSync(join(tmpdir(), 'pastiche-home-')));
    const outcome = await runStylize(
      store,
      { project: 'gpu', contentFile: photo, styleFiles: [photo], settings: settings(4) },
      device,
    );
    const run = store.run(outcome.runId);
    assert.deepEqual([run.status, run.backend, run.iterationsDone], ['done', 'webgl', 4]);
    assert.deepEqual(
      store.metrics(outcome.runId).map((m) => m.iteration),
      [0, 1, 2, 3, 4],
    );
    assert.deepEqual(
      store.outputs(outcome.runId).map((o) => [o.kind, o.iteration]),
      [
        ['preview', 2],
        ['result', 4],
      ],
    );
    assert.deepEqual([outcome.output.width, outcome.output.height], [24, 19]);

    // A cancelled run keeps the image it reached, as on the engine's thread.
    const abort = new AbortController();
    const cancelled = await runStylize(
      store,
      { project: 'gpu', contentFile: photo, styleFiles: [photo], settings: settings(30) },
      device,
      { signal: abort.signal, onProgress: (p) => p.iteration === 3 && abort.abort() },
    );
    assert.equal(store.run(cancelled.runId).status, 'cancelled');
    assert.equal(store.latestImage(cancelled.runId)?.image.id, cancelled.output.id);
    assert.ok(cancelled.iterationsDone >= 3 && cancelled.iterationsDone < 30);

    // A lost window fails what is asked of it with one line to show, and the run keeps what it had.
    device.compute.lose('its page crashed');
    await assert.rejects(
      runStylize(store, { project: 'gpu', contentFile: photo, styleFiles: [photo], settings: settings(4) }, device),
      /^PasticheError: the GPU engine window stopped: its page crashed$/,
    );
    assert.equal(store.listRuns({ status: 'failed' }).length, 1);
    store.close();
    close();
  });
});
