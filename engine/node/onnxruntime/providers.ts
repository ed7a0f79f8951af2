import { PasticheError } from '../../common/errors.js';

/**
 * onnxruntime's execution providers the engine can use, in the order it prefers them when none is
 * forced. GPU providers come first, the CPU last, as a feature network's forward and backward passes
 * are dense convolutions a GPU runs many times faster (`npm run bench:gpu` measures each one present):
 * - cuda before tensorrt: both NVIDIA, but TensorRT builds an engine for every input shape, and the
 *   engine's graphs change shape with every stage and tile, so each new size would wait for a build;
 * - dml (Windows, Direct3D 12) and coreml (macOS) before webgpu: the platform's own ML API, with the
 *   vendors' convolution kernels, against WebGPU's generic shaders (the same GPU through Dawn). They
 *   never meet: each exists on one platform only;
 * - webgpu (Dawn: Vulkan on Linux, Metal on macOS, Direct3D 12 on Windows), bundled everywhere;
 * - cpu, onnxruntime's own kernels (MLAS), which always work.
 * A provider that refuses one graph leaves that graph to the CPU provider (sessions.ts).
 */
export const PROVIDER_PREFERENCE = ['cuda', 'tensorrt', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDER_PREFERENCE)[number];

/** What the engine found about one provider: usable here, or not and why. */
export type ProviderProbe =
  | { readonly name: ProviderName; readonly usable: true }
  | { readonly name: ProviderName; readonly usable: false; readonly reason: string };

/** The provider chosen, and the better ones passed over with their reasons. */
export interface ProviderChoice {
  readonly provider: ProviderName;
  readonly skipped: readonly { readonly name: ProviderName; readonly reason: string }[];
}

/** A provider as onnxruntime-node's `listSupportedBackends()` reports it. */
export interface SupportedBackend {
  readonly name: string;
  /** False for providers whose libraries the user installs separately (CUDA, TensorRT). */
  readonly bundled: boolean;
}

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_PREFERENCE as readonly string[]).includes(name);
}

/**
 * The providers to probe, and those already known to be unusable: the ones this platform's build does
 * not have, and the unbundled ones whose library is not installed next to the binding.
 */
export function providerCandidates(
  supported: readonly SupportedBackend[],
  libraryInstalled: (name: ProviderName) => boolean,
  platform: string,
): { readonly toProbe: readonly ProviderName[]; readonly absent: readonly ProviderProbe[] } {
  const toProbe: ProviderName[] = [];
  const absent: ProviderProbe[] = [];
  for (const name of PROVIDER_PREFERENCE) {
    const found = supported.find((backend) => backend.name === name);
    if (!found) {
      absent.push({ name, usable: false, reason: `not in onnxruntime-node's build for ${platform}` });
    } else if (!found.bundled && !libraryInstalled(name)) {
      absent.push({ name, usable: false, reason: `not installed (${providerLibrary(name, platform)} is missing)` });
    } else {
      toProbe.push(name);
    }
  }
  return { toProbe, absent };
}

/** The shared library an unbundled provider is loaded from, next to onnxruntime's binding. */
export function providerLibrary(name: ProviderName, platform: string): string {
  return platform === 'win32' ? `onnxruntime_providers_${name}.dll` : `libonnxruntime_providers_${name}.so`;
}

/**
 * The provider to use: the forced one, which must be usable, or the first usable one in
 * PROVIDER_PREFERENCE. A forced provider that is not usable is a one-line error with the reason.
 */
export function chooseProvider(probes: readonly ProviderProbe[], forced?: ProviderName): ProviderChoice {
  const ordered = [...probes].sort((a, b) => rank(a.name) - rank(b.name));
  if (forced) {
    const probe = ordered.find((candidate) => candidate.name === forced);
    if (!probe) throw new PasticheError('was not probed', `onnxruntime/${forced}`);
    if (!probe.usable) throw new PasticheError(`cannot run here: ${probe.reason}`, `onnxruntime/${forced}`);
    return { provider: forced, skipped: [] };
  }
  const skipped: { name: ProviderName; reason: string }[] = [];
  for (const probe of ordered) {
    if (probe.usable) return { provider: probe.name, skipped };
    skipped.push({ name: probe.name, reason: probe.reason });
  }
  const reasons = skipped.map(({ name, reason }) => `${name}: ${reason}`).join('; ');
  throw new PasticheError(`no execution provider can run here (${reasons})`, 'onnxruntime');
}

/**
 * What a run records as its backend: `onnxruntime/<provider>` for the providers that computed its
 * graphs, joined by '+' in preference order when some graphs fell back (`onnxruntime/webgpu+cpu`).
 * A run none of whose graphs ran natively (a network the graphs do not cover) keeps the chosen name.
 */
export function computedBackendName(chosen: string, used: Iterable<ProviderName>): string {
  const providers = [...new Set(used)].sort((a, b) => rank(a) - rank(b));
  if (!chosen.startsWith('onnxruntime') || providers.length === 0) return chosen;
  return `onnxruntime/${providers.join('+')}`;
}

/**
 * One line from what a failed probe or session said: onnxruntime prefixes its messages with the
 * source file and the failed check, which say nothing to a user, and Dawn writes why it refused an
 * adapter ("Warning: Vulkan … required.") on stderr only, so those warnings are added.
 */
export function probeFailureReason(message: string, stderr = ''): string {
  const first = message.split('\n').find((line) => line.trim() !== '') ?? 'failed';
  const checked = /was false\.\s*(.+)$/.exec(first);
  const located = /^\/\S+:\d+ (.+)$/.exec(first);
  const said = (checked?.[1] ?? located?.[1] ?? first).replace(/^\[ONNXRuntimeError\] : \d+ : \w+ : /, '').trim();
  const warnings = stderr
    .split('\n')
    .map((line) => /^Warning: (.+)$/.exec(line.trim())?.[1])
    .filter((line): line is string => line !== undefined);
  return [said, ...new Set(warnings)].join(' — ');
}

function rank(name: ProviderName): number {
  return PROVIDER_PREFERENCE.indexOf(name);
}
