import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chooseProvider,
  computedBackendName,
  probeFailureReason,
  providerCandidates,
  type ProviderName,
  type ProviderProbe,
} from '../../../../engine/node/onnxruntime/providers.js';

const usable = (name: ProviderName): ProviderProbe => ({ name, usable: true });
const unusable = (name: ProviderName, reason = `${name} failed`): ProviderProbe => ({ name, usable: false, reason });

describe('providerCandidates', () => {
  const linux = [
    { name: 'cpu', bundled: true },
    { name: 'webgpu', bundled: true },
    { name: 'cuda', bundled: false },
    { name: 'tensorrt', bundled: false },
  ];

  it('probes the bundled providers and says which the build lacks', () => {
    const { toProbe, absent } = providerCandidates(linux, () => false, 'linux');
    assert.deepEqual(toProbe, ['webgpu', 'cpu']);
    const reasons = Object.fromEntries(absent.map((probe) => [probe.name, probe.usable ? '' : probe.reason]));
    assert.equal(reasons.dml, "not in onnxruntime-node's build for linux");
    assert.equal(reasons.coreml, "not in onnxruntime-node's build for linux");
    assert.equal(reasons.cuda, 'not installed (libonnxruntime_providers_cuda.so is missing)');
    assert.equal(reasons.tensorrt, 'not installed (libonnxruntime_providers_tensorrt.so is missing)');
  });

  it('probes an unbundled provider whose library the user installed', () => {
    const { toProbe } = providerCandidates(linux, (name) => name === 'cuda', 'linux');
    assert.deepEqual(toProbe, ['cuda', 'webgpu', 'cpu']);
  });

  it("names Windows' library as Windows does", () => {
    const { absent } = providerCandidates([{ name: 'cuda', bundled: false }], () => false, 'win32');
    const cuda = absent.find((probe) => probe.name === 'cuda');
    assert.match(cuda && !cuda.usable ? cuda.reason : '', /onnxruntime_providers_cuda\.dll is missing/);
  });
});

describe('chooseProvider', () => {
  it('takes the first usable provider in the documented order, whatever order the probes came in', () => {
    const choice = chooseProvider([usable('cpu'), usable('webgpu'), unusable('cuda', 'no driver')]);
    assert.equal(choice.provider, 'webgpu');
    assert.deepEqual(choice.skipped, [{ name: 'cuda', reason: 'no driver' }]);
  });

  it('prefers CUDA to TensorRT, the platform APIs to WebGPU, and any GPU to the CPU', () => {
    assert.equal(chooseProvider([usable('tensorrt'), usable('cuda'), usable('cpu')]).provider, 'cuda');
    assert.equal(chooseProvider([usable('webgpu'), usable('dml'), usable('cpu')]).provider, 'dml');
    assert.equal(chooseProvider([usable('webgpu'), usable('coreml'), usable('cpu')]).provider, 'coreml');
    assert.equal(chooseProvider([usable('cpu'), unusable('webgpu')]).provider, 'cpu');
  });

  it('gives a forced provider that works, even below a better one', () => {
    assert.deepEqual(chooseProvider([usable('webgpu'), usable('cpu')], 'cpu'), { provider: 'cpu', skipped: [] });
  });

  it('refuses a forced provider that failed its probe, in one line with the reason', () => {
    assert.throws(
      () =>
        chooseProvider(
          [unusable('webgpu', 'Failed to get a WebGPU adapter: No supported adapters'), usable('cpu')],
          'webgpu',
        ),
      /^PasticheError: onnxruntime\/webgpu: cannot run here: Failed to get a WebGPU adapter: No supported adapters$/,
    );
  });

  it('refuses a forced provider that was not probed at all', () => {
    assert.throws(() => chooseProvider([usable('cpu')], 'coreml'), /onnxruntime\/coreml: was not probed/);
  });

  it('says every reason when nothing works', () => {
    assert.throws(
      () => chooseProvider([unusable('cpu', 'broken'), unusable('webgpu', 'no adapter')]),
      /no execution provider can run here \(webgpu: no adapter; cpu: broken\)/,
    );
  });
});

describe('computedBackendName', () => {
  it('is the provider that computed every graph', () => {
    assert.equal(computedBackendName('onnxruntime/webgpu', ['webgpu', 'webgpu']), 'onnxruntime/webgpu');
    assert.equal(computedBackendName('onnxruntime/webgpu', ['cpu']), 'onnxruntime/cpu');
  });

  it('joins the providers of a mixed run in preference order', () => {
    assert.equal(computedBackendName('onnxruntime/webgpu', ['cpu', 'webgpu']), 'onnxruntime/webgpu+cpu');
  });

  it('keeps the chosen name when no graph ran natively, and every other backend as it is', () => {
    assert.equal(computedBackendName('onnxruntime/webgpu', []), 'onnxruntime/webgpu');
    assert.equal(computedBackendName('wasm', ['cpu']), 'wasm');
  });
});

describe('probeFailureReason', () => {
  it("keeps what onnxruntime said after its failed check, with Dawn's warnings from stderr", () => {
    const message =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 Initialize() ' +
      'adapter_result.status == wgpu::RequestAdapterStatus::Success was false. ' +
      'Failed to get a WebGPU adapter: No supported adapters';
    const stderr =
      'error: XDG_RUNTIME_DIR is invalid\nWarning: Vulkan shaderUniform*ArrayDynamicIndexing required.\n' +
      ' - While initializing adapter (backend=BackendType::Vulkan)\n';
    assert.equal(
      probeFailureReason(message, stderr),
      'Failed to get a WebGPU adapter: No supported adapters — Vulkan shaderUniform*ArrayDynamicIndexing required.',
    );
  });

  it('drops a source location and the error code prefix', () => {
    const said = '/src/provider_bridge_ort.cc:1988 [ONNXRuntimeError] : 1 : FAIL : Failed to load library';
    assert.equal(probeFailureReason(said), 'Failed to load library');
  });

  it('keeps a plain message as it is, first line only', () => {
    assert.equal(probeFailureReason('the probe exited with 1\nmore'), 'the probe exited with 1');
  });
});
