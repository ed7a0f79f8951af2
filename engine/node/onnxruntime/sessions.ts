import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { cpus } from 'node:os';
import type * as Ort from 'onnxruntime-node';
import { probeFailureReason, type ProviderName } from './providers.js';

export type Runtime = typeof Ort;

/** One graph's session: what the engine's code runs, whichever provider computes it. */
export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The provider computing this graph: the chosen one, or cpu once that one refused the graph. */
  readonly provider: ProviderName;
  run(feeds: Ort.InferenceSession.FeedsType, fetches?: readonly string[]): Promise<Ort.InferenceSession.ReturnType>;
  release(): Promise<void>;
}

/** What a graph's creator asks of its session beyond the graph. */
export interface SessionRequest {
  /**
   * Outputs only another graph reads (a forward pass's saved tensors, fed to its backward pass):
   * left on the GPU where the provider allows it, so they do not cross to the CPU and back.
   */
  readonly keepOnDevice?: readonly string[];
}

/** A graph the chosen provider refused (at creation or at its first run), now computed on the CPU. */
export interface ProviderFallback {
  readonly provider: ProviderName;
  /** The graph's outputs, which name it for people. */
  readonly graph: string;
  readonly reason: string;
}

let chosenProvider: ProviderName = 'cpu';
const fallbackListeners = new Set<(fallback: ProviderFallback) => void>();
/** Graph runs per provider since the process started: what a run diffs to learn who computed it. */
const runsByProvider = new Map<ProviderName, number>();

/** Sessions created from now on use this provider (backend.ts sets it when it selects onnxruntime). */
export function useProvider(provider: ProviderName): void {
  chosenProvider = provider;
}

export function currentProvider(): ProviderName {
  return chosenProvider;
}

/** Called whenever a graph falls back to the CPU provider; returns the unsubscribe. */
export function onProviderFallback(listener: (fallback: ProviderFallback) => void): () => void {
  fallbackListeners.add(listener);
  return () => fallbackListeners.delete(listener);
}

/** A copy of the graph runs per provider so far: compared with a later one, which providers computed. */
export function providerRuns(): ReadonlyMap<ProviderName, number> {
  return new Map(runsByProvider);
}

/** The providers that ran a graph between two providerRuns() readings. */
export function providersBetween(
  before: ReadonlyMap<ProviderName, number>,
  after: ReadonlyMap<ProviderName, number> = runsByProvider,
): ProviderName[] {
  return [...after].filter(([name, count]) => count > (before.get(name) ?? 0)).map(([name]) => name);
}

/**
 * One onnxruntime session for a graph the engine built: every native graph (feature networks'
 * gradients, fast styles, training) is created here, on the chosen provider; a provider that refuses
 * the graph leaves it, and only it, to the CPU provider, and says so to onProviderFallback's listeners.
 */
export function createSession(runtime: Runtime, graph: ModelProto, request: SessionRequest = {}): Promise<Session> {
  const bytes = toBinary(ModelProtoSchema, graph);
  const open: SessionOpener = (provider) =>
    runtime.InferenceSession.create(bytes, sessionOptionsFor(provider, provider === 'cpu' ? [] : request.keepOnDevice));
  return sessionWithFallback(runtime, open, chosenProvider, graphLabel(graph));
}

/** Opens the graph's session on a provider (a function, so tests can place a graph on a provider). */
export type SessionOpener = (provider: ProviderName) => Promise<Ort.InferenceSession>;

/** The graph on `provider`, or on the CPU provider when that one refuses it now or at its first run. */
export async function sessionWithFallback(
  runtime: Runtime,
  open: SessionOpener,
  provider: ProviderName,
  label: string,
): Promise<Session> {
  if (provider === 'cpu') return new ProviderSession(runtime, await open('cpu'), 'cpu', null, label);
  try {
    return new ProviderSession(runtime, await open(provider), provider, open, label);
  } catch (error) {
    announceFallback({ provider, graph: label, reason: probeFailureReason(errorMessage(error)) });
    return new ProviderSession(runtime, await open('cpu'), 'cpu', null, label);
  }
}

/**
 * A provider's session options. No memory arena on the CPU: the arena grows by powers of two and
 * keeps what it grew to, which measured 3.2 GB peak at 512 px and 10.2 GB at 1024 px against 2.0 and
 * 4.8 GB without it, at the same speed. On another provider, onnxruntime would quietly give the nodes
 * it has no kernel for to the CPU inside the same session; `session.disable_cpu_ep_fallback` makes
 * it refuse the graph instead, so a graph is computed by one provider and the run can say which.
 * Outputs to keep on the device become WebGPU buffers (the Node binding's IO binding is WebGPU's).
 */
export function sessionOptionsFor(
  provider: ProviderName,
  keepOnDevice: readonly string[] = [],
): Ort.InferenceSession.SessionOptions {
  const options: Ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: cpus().length,
    interOpNumThreads: 1,
    enableCpuMemArena: false,
  };
  if (provider === 'cpu') return options;
  const onDevice = provider === 'webgpu' && keepOnDevice.length > 0;
  return {
    ...options,
    extra: { session: { disable_cpu_ep_fallback: '1' } },
    ...(onDevice
      ? { preferredOutputLocation: Object.fromEntries(keepOnDevice.map((name) => [name, 'gpu-buffer'])) }
      : {}),
  };
}

/**
 * A session on a provider that may still refuse its graph at the first run (a kernel that turns out
 * not to support an attribute: WebGPU's MaxPool has no indices output), then recreated on the CPU
 * provider and run there; the opener (and with it the graph's bytes) is kept until a first run succeeds.
 */
class ProviderSession implements Session {
  constructor(
    private readonly runtime: Runtime,
    private session: Ort.InferenceSession,
    private current: ProviderName,
    private unverified: SessionOpener | null,
    private readonly label: string,
  ) {}

  get provider(): ProviderName {
    return this.current;
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(
    feeds: Ort.InferenceSession.FeedsType,
    fetches?: readonly string[],
  ): Promise<Ort.InferenceSession.ReturnType> {
    const local = this.current === 'webgpu' ? feeds : await feedsOnCpu(this.runtime, feeds);
    if (!this.unverified) return this.counted(await this.runHere(local, fetches));
    let result: Ort.InferenceSession.ReturnType;
    try {
      result = await this.runHere(local, fetches);
    } catch (error) {
      await this.fallBack(probeFailureReason(errorMessage(error)));
      return this.run(feeds, fetches);
    }
    this.unverified = null;
    return this.counted(result);
  }

  release(): Promise<void> {
    return this.session.release();
  }

  private runHere(feeds: Ort.InferenceSession.FeedsType, fetches?: readonly string[]) {
    return fetches ? this.session.run(feeds, [...fetches]) : this.session.run(feeds);
  }

  private counted(result: Ort.InferenceSession.ReturnType): Ort.InferenceSession.ReturnType {
    runsByProvider.set(this.current, (runsByProvider.get(this.current) ?? 0) + 1);
    return result;
  }

  private async fallBack(reason: string): Promise<void> {
    const open = this.unverified!;
    announceFallback({ provider: this.current, graph: this.label, reason });
    await this.session.release().catch(() => undefined);
    this.session = await open('cpu');
    this.current = 'cpu';
    this.unverified = null;
  }
}

/** Feeds a CPU session can read: tensors left on a GPU by another graph are downloaded first. */
async function feedsOnCpu(runtime: Runtime, feeds: Ort.InferenceSession.FeedsType) {
  const entries = await Promise.all(
    Object.entries(feeds).map(async ([name, tensor]) => {
      if (tensor.location === 'cpu') return [name, tensor] as const;
      const data = await tensor.getData();
      return [name, new runtime.Tensor(tensor.type as 'float32', data as Float32Array, tensor.dims)] as const;
    }),
  );
  return Object.fromEntries(entries) as Ort.InferenceSession.FeedsType;
}

function announceFallback(fallback: ProviderFallback): void {
  for (const listener of fallbackListeners) listener(fallback);
}

function graphLabel(graph: ModelProto): string {
  const outputs = graph.graph?.output.map((output) => output.name) ?? [];
  return outputs.length > 3 ? `${outputs.slice(0, 3).join(', ')}, …` : outputs.join(', ');
}

function errorMessage(error: unknown): string {
  return String(error instanceof Error ? error.message : error);
}

/**
 * Sessions by graph, the least recently used released beyond `kept`; each session holds its own
 * copy of the weights, the weights it needs.
 */
export class SessionCache {
  private readonly entries = new Map<string, Promise<{ readonly sessions: readonly Session[] }>>();

  constructor(private readonly kept: number) {}

  get<T extends { readonly sessions: readonly Session[] }>(key: string, create: () => Promise<T>): Promise<T> {
    const found = this.entries.get(key) as Promise<T> | undefined;
    this.entries.delete(key);
    const entry = found ?? create();
    this.entries.set(key, entry);
    if (this.entries.size > this.kept) this.release(this.entries.keys().next().value!);
    return entry;
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.release(key);
  }

  private release(key: string): void {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    void entry
      ?.then(({ sessions }) => Promise.all(sessions.map((session) => session.release())))
      .catch(() => undefined);
  }
}
