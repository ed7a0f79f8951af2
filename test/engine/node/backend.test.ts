import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import {
  nativeGradientRuntime,
  parseBackendName,
  selectBackend,
  selectedBackendName,
} from '../../../engine/node/backend.js';
import { discoverProviders } from '../../../engine/node/onnxruntime/providerProbe.js';
import { currentProvider } from '../../../engine/node/onnxruntime/sessions.js';
import { useTestBackend } from '../../helpers/tf.js';

describe('backend names', () => {
  it('take onnxruntime with a provider, and refuse an unknown one listing what exists', () => {
    assert.equal(parseBackendName('onnxruntime/webgpu'), 'onnxruntime/webgpu');
    assert.equal(parseBackendName('onnxruntime'), 'onnxruntime');
    assert.throws(
      () => parseBackendName('onnxruntime/gpu'),
      /unknown backend 'onnxruntime\/gpu' \(choose one of .*onnxruntime\/cuda/,
    );
  });
});

describe('selectBackend with onnxruntime', () => {
  it('runs on the forced CPU provider, records it, and sessions use it', async () => {
    try {
      const backend = await selectBackend('onnxruntime/cpu');
      assert.equal(backend.name, 'onnxruntime/cpu');
      assert.equal(selectedBackendName(), 'onnxruntime/cpu');
      assert.equal(currentProvider(), 'cpu');
      assert.ok(nativeGradientRuntime());
    } finally {
      await useTestBackend();
    }
  });

  it('takes the best provider that works for plain onnxruntime', async () => {
    const best = (await discoverProviders(ort)).find((probe) => probe.usable)!;
    try {
      assert.equal((await selectBackend('onnxruntime')).name, `onnxruntime/${best.name}`);
    } finally {
      await useTestBackend();
    }
  });

  it('refuses a forced provider that cannot run here in one line naming what is missing', async () => {
    const missing = (await discoverProviders(ort)).find((probe) => !probe.usable);
    if (!missing || missing.usable) return console.log('NOTICE: every provider works here');
    await assert.rejects(selectBackend(`onnxruntime/${missing.name}`), (error: Error) => {
      assert.equal(error.message.split('\n').length, 1);
      assert.ok(error.message.includes(`onnxruntime/${missing.name}`), error.message);
      assert.ok(error.message.includes(missing.reason), error.message);
      return true;
    });
    await useTestBackend();
  });
});
