import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import {
  PROBE_INPUT,
  PROBE_OUTPUT,
  PROBE_SHAPE,
  probeGraph,
} from '../../../../engine/common/networks/onnx/probeGraph.js';
import { GraphBuilder } from '../../../../engine/common/networks/onnx/graphBuilder.js';
import { floatValueInfo } from '../../../../engine/common/networks/onnx/onnxProto.js';
import { discoverProviders } from '../../../../engine/node/onnxruntime/providerProbe.js';
import {
  createSession,
  currentProvider,
  onProviderFallback,
  providerRuns,
  providersBetween,
  sessionOptionsFor,
  sessionWithFallback,
  useProvider,
  type ProviderFallback,
  type SessionOpener,
} from '../../../../engine/node/onnxruntime/sessions.js';

const ones = () => new ort.Tensor('float32', new Float32Array(2 * 4 * 4).fill(1), [...PROBE_SHAPE]);
const cpuSession = (graph = probeGraph()) =>
  ort.InferenceSession.create(toBinary(ModelProtoSchema, graph), sessionOptionsFor('cpu'));

/** A graph whose input is not the probe's: a real session that fails at its first run on the probe's feeds. */
function otherInputGraph() {
  const graph = new GraphBuilder();
  graph.node('Relu', ['other'], PROBE_OUTPUT);
  return graph.model([floatValueInfo('other', [1, 2, 4, 4])], [PROBE_OUTPUT]);
}

async function withFallbacks<T>(body: (fallbacks: ProviderFallback[]) => Promise<T>): Promise<T> {
  const fallbacks: ProviderFallback[] = [];
  const stop = onProviderFallback((fallback) => fallbacks.push(fallback));
  try {
    return await body(fallbacks);
  } finally {
    stop();
  }
}

describe('session options', () => {
  it('on the CPU: no arena, no strictness, outputs on the CPU', () => {
    const options = sessionOptionsFor('cpu', ['saved']);
    assert.deepEqual(options.executionProviders, ['cpu']);
    assert.equal(options.enableCpuMemArena, false);
    assert.equal(options.extra, undefined);
    assert.equal(options.preferredOutputLocation, undefined);
  });

  it('on a GPU provider: the whole graph or a refusal, never nodes quietly left to the CPU', () => {
    const options = sessionOptionsFor('cuda', ['saved']);
    assert.deepEqual(options.extra, { session: { disable_cpu_ep_fallback: '1' } });
    assert.equal(options.preferredOutputLocation, undefined, "the Node binding's IO binding is WebGPU's only");
  });

  it('on WebGPU: the outputs only another graph reads stay in GPU buffers', () => {
    assert.deepEqual(sessionOptionsFor('webgpu', ['saved']).preferredOutputLocation, { saved: 'gpu-buffer' });
    assert.equal(sessionOptionsFor('webgpu').preferredOutputLocation, undefined);
  });
});

describe('sessions and their fallback to the CPU', () => {
  it('compute on the CPU provider and count the run as its', async () => {
    const before = providerRuns();
    const session = await sessionWithFallback(ort, () => cpuSession(), 'cpu', 'y');
    const output = (await session.run({ [PROBE_INPUT]: ones() }))[PROBE_OUTPUT].data as Float32Array;
    assert.equal(output[5], 18);
    assert.equal(session.provider, 'cpu');
    assert.deepEqual(providersBetween(before), ['cpu']);
    await session.release();
  });

  it('move a graph the provider refuses at creation to the CPU, and say so', async () => {
    await withFallbacks(async (fallbacks) => {
      const open: SessionOpener = (provider) =>
        provider === 'cpu'
          ? cpuSession()
          : Promise.reject(new Error('/src/x.cc:1 check was false. No supported adapters'));
      const session = await sessionWithFallback(ort, open, 'webgpu', 'y');
      assert.equal(session.provider, 'cpu');
      assert.deepEqual(fallbacks, [{ provider: 'webgpu', graph: 'y', reason: 'No supported adapters' }]);
      assert.equal(((await session.run({ [PROBE_INPUT]: ones() }))[PROBE_OUTPUT].data as Float32Array)[0], 8);
      await session.release();
    });
  });

  it('move a graph whose first run fails to the CPU, run it there, and count the CPU', async () => {
    await withFallbacks(async (fallbacks) => {
      // The "GPU" placement is a real onnxruntime session that cannot run these feeds.
      const open: SessionOpener = (provider) => (provider === 'cpu' ? cpuSession() : cpuSession(otherInputGraph()));
      const before = providerRuns();
      const session = await sessionWithFallback(ort, open, 'webgpu', 'y');
      assert.equal(session.provider, 'webgpu', 'created on the provider asked for');
      const output = (await session.run({ [PROBE_INPUT]: ones() }))[PROBE_OUTPUT].data as Float32Array;
      assert.equal(output[5], 18, 'computed on the CPU after the refusal');
      assert.equal(session.provider, 'cpu');
      assert.equal(fallbacks.length, 1);
      assert.equal(fallbacks[0].provider, 'webgpu');
      assert.match(fallbacks[0].reason, /other/);
      assert.deepEqual(providersBetween(before), ['cpu']);
      await session.release();
    });
  });

  it('keep a graph on the provider once its first run succeeded', async () => {
    await withFallbacks(async (fallbacks) => {
      const before = providerRuns();
      // Placed as the "webgpu" provider, really computed by a CPU session: what is counted is the placement.
      const session = await sessionWithFallback(ort, () => cpuSession(), 'webgpu', 'y');
      await session.run({ [PROBE_INPUT]: ones() });
      await session.run({ [PROBE_INPUT]: ones() });
      assert.equal(session.provider, 'webgpu');
      assert.deepEqual(fallbacks, []);
      assert.equal((providerRuns().get('webgpu') ?? 0) - (before.get('webgpu') ?? 0), 2);
      await session.release();
    });
  });

  it('are made by createSession on the chosen provider, a provider unusable here falling back to the CPU', async () => {
    const refusing = (await discoverProviders(ort)).find((probe) => !probe.usable);
    if (!refusing) return console.log('NOTICE: every provider works here; the real refusal is not exercised');
    const chosen = currentProvider();
    useProvider(refusing.name);
    try {
      await withFallbacks(async (fallbacks) => {
        const session = await createSession(ort, probeGraph());
        assert.equal(session.provider, 'cpu');
        assert.equal(fallbacks.length, 1, `${refusing.name} said why it refused`);
        assert.equal(((await session.run({ [PROBE_INPUT]: ones() }))[PROBE_OUTPUT].data as Float32Array)[5], 18);
        await session.release();
      });
    } finally {
      useProvider(chosen);
    }
  });
});
