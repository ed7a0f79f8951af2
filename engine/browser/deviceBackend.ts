import * as tf from '@tensorflow/tfjs';
// Registers the 'webgpu' backend; a stand-in that registers nothing where the package is not installed
// (build/build-electron.mjs).
import '@tensorflow/tfjs-backend-webgpu';
import type { DeviceBackend, DeviceBackendName } from '../common/api/computeProtocol.js';

/**
 * What each backend runs on, once started, for a person to read. WebGL's renderer string names the
 * GPU; without 32-bit float textures TensorFlow.js falls back to 16-bit ones, which a descent notices.
 */
const describe: Record<DeviceBackendName, () => string> = {
  webgpu: () => 'WebGPU',
  webgl: () =>
    `WebGL ${tf.env().getNumber('WEBGL_VERSION')} on ` +
    `${webglRenderer()}${tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED') ? '' : ', 16-bit float textures'}`,
  cpu: () => 'plain JavaScript, no GPU reachable',
};

/**
 * Starts the fastest backend the page has — WebGPU, then WebGL, then plain JavaScript — and says
 * which. No WebAssembly here: the engine's own thread already computes with it, as fast, so a page
 * without a GPU backend is not used at all.
 */
export async function startDeviceBackend(
  options: { readonly acceptSoftwareRendering?: boolean } = {},
): Promise<DeviceBackend> {
  for (const name of ['webgpu', 'webgl', 'cpu'] as const) {
    if (name !== 'cpu' && !options.acceptSoftwareRendering && (await rendersInSoftware(name))) continue;
    if (tf.findBackendFactory(name) && (await tf.setBackend(name).catch(() => false)) && (await computesCorrectly())) {
      return { name, description: describe[name]() };
    }
  }
  throw new Error('no TensorFlow.js backend could start in the engine window');
}

/**
 * Whether Chromium would run this backend on a software rasteriser (SwiftShader, llvmpipe, WARP) —
 * on a machine without a usable GPU. Such a "GPU" is far slower than the engine's own native or
 * wasm backend, so the window then offers plain JavaScript, which the engine lets go. Tests in a
 * headless browser accept it (the page's `?software=accept`), software rendering being all they have.
 */
async function rendersInSoftware(name: 'webgpu' | 'webgl'): Promise<boolean> {
  if (name === 'webgl') return SOFTWARE_RENDERERS.test(webglRenderer());
  const gpu = (
    navigator as Navigator & {
      gpu?: {
        requestAdapter(): Promise<{
          isFallbackAdapter?: boolean;
          info?: { vendor?: string; architecture?: string; description?: string };
        } | null>;
      };
    }
  ).gpu;
  const adapter = await gpu?.requestAdapter().catch(() => null);
  if (!adapter) return false;
  const info = adapter.info;
  return (
    adapter.isFallbackAdapter === true ||
    SOFTWARE_RENDERERS.test(`${info?.vendor ?? ''} ${info?.architecture ?? ''} ${info?.description ?? ''}`)
  );
}

const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i;

/**
 * A backend can start on an adapter that then cannot compute (a blocklisted or broken driver), so it
 * is kept only once it has computed a known sum — Σ k² for k < 256 = 5 559 680, whose partial sums all stay below 2²⁴,
 * so exact in float32 in any order.
 */
async function computesCorrectly(): Promise<boolean> {
  try {
    const sum = tf.tidy(() => tf.sum(tf.square(tf.range(0, 256, 1, 'float32'))));
    const [value] = await sum.data();
    sum.dispose();
    return value === 5_559_680;
  } catch {
    return false;
  }
}

function webglRenderer(): string {
  const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  return (info && gl ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null) ?? 'an unnamed GPU';
}
