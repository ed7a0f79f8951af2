import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  childProbeResult,
  discoverProviders,
  probeInChild,
  probeInProcess,
} from '../../../../engine/node/onnxruntime/providerProbe.js';
import { PROVIDER_PREFERENCE } from '../../../../engine/node/onnxruntime/providers.js';

describe('provider probes', () => {
  it("run the probe graph on onnxruntime's CPU provider and find its known output", async () => {
    assert.deepEqual(await probeInProcess(ort, 'cpu'), { name: 'cpu', usable: true });
  });

  it('run in a child process as well, which answers with its verdict', async () => {
    assert.deepEqual(await probeInChild('cpu'), { name: 'cpu', usable: true });
  });

  it('find every provider once, the CPU usable, and say why each other one is not', async () => {
    const probes = await discoverProviders(ort);
    assert.deepEqual(
      probes.map((probe) => probe.name),
      [...PROVIDER_PREFERENCE],
    );
    assert.ok(probes.find((probe) => probe.name === 'cpu')?.usable);
    for (const probe of probes) if (!probe.usable) assert.match(probe.reason, /\S/, `${probe.name} has a reason`);
    const webgpu = probes.find((probe) => probe.name === 'webgpu');
    if (webgpu && !webgpu.usable) console.log(`NOTICE: onnxruntime/webgpu cannot run here: ${webgpu.reason}`);
  });

  it("take a child's crash or silence as the reason", () => {
    assert.deepEqual(childProbeResult('webgpu', '', 'Warning: Vulkan x required.\n', null, 'SIGSEGV'), {
      name: 'webgpu',
      usable: false,
      reason: 'the probe was killed (SIGSEGV) — Vulkan x required.',
    });
    assert.deepEqual(childProbeResult('cuda', '', '', null, 'SIGTERM'), {
      name: 'cuda',
      usable: false,
      reason: 'the probe was killed (SIGTERM, timed out)',
    });
    assert.deepEqual(childProbeResult('cuda', 'not json', '', 3, null), {
      name: 'cuda',
      usable: false,
      reason: 'the probe exited with 3',
    });
  });

  it("read a child's verdict from its last line", () => {
    assert.deepEqual(childProbeResult('webgpu', 'noise\n{"name":"webgpu","usable":true}\n', '', 0, null), {
      name: 'webgpu',
      usable: true,
    });
    assert.deepEqual(childProbeResult('webgpu', '{"usable":false,"reason":"No supported adapters"}', '', 0, null), {
      name: 'webgpu',
      usable: false,
      reason: 'No supported adapters',
    });
  });
});
