import { isPasticheError } from '../../common/errors.js';
import type { StudioEvent } from '../../common/api/studioApi.js';
import type { BackendInfo, ComputeDevice } from '../backend.js';
import { executeQueuedRun } from '../runs/executeQueued.js';
import { enqueueFeedforward, type FeedforwardJob } from '../runs/feedforwardRun.js';
import { enqueueGenerate, type GenerateJob } from '../runs/generateRun.js';
import { enqueueStylize, type StylizeJob } from '../runs/stylizeRun.js';
import { enqueueTraining, type TrainStyleJob } from '../runs/trainStyleRun.js';
import type { RunStatus, RunStore } from '../store/runStore.js';

export interface RunQueueOptions {
  /** Runs computed at once; 1 by default, since one optimisation already uses every core. */
  readonly concurrency?: number;
  readonly onEvent?: (event: StudioEvent) => void;
}

/**
 * The studio's job queue: runs are recorded as queued in the store and started in the order they were
 * queued, `concurrency` at a time. Because the queue's state is the store's, runs queued before a
 * restart are picked up by `start()`; a run that was running when the process died is failed by the
 * store's own recovery when it opens.
 */
export class RunQueue {
  private readonly waiting: number[] = [];
  private readonly running = new Map<number, AbortController>();
  private readonly concurrency: number;
  private readonly emit: (event: StudioEvent) => void;
  private started = false;
  private device: ComputeDevice | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly store: RunStore,
    private readonly backend: BackendInfo,
    options: RunQueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.emit = options.onEvent ?? (() => {});
  }

  /** Takes up the runs the store holds as queued, oldest first, and starts computing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    const queued = this.store
      .listRuns({ status: 'queued' })
      .map((run) => run.id)
      .sort((a, b) => a - b);
    this.waiting.unshift(...queued.filter((id) => !this.waiting.includes(id)));
    this.pump();
  }

  /**
   * Stylizations and generations started from now on descend on `device` (the studio's GPU engine
   * window), or again on this thread's backend when it is undefined.
   */
  useDevice(device: ComputeDevice | undefined): void {
    this.device = device;
  }

  /** Checks and records the job (bad input is refused here, recording nothing), then queues it. */
  async enqueue(job: StylizeJob): Promise<number> {
    return this.add(await enqueueStylize(this.store, job));
  }

  /** The same for a generation. */
  async enqueueGenerate(job: GenerateJob): Promise<number> {
    return this.add(await enqueueGenerate(this.store, job));
  }

  /** The same for the training of a style network. */
  async enqueueTraining(job: TrainStyleJob): Promise<number> {
    return this.add(await enqueueTraining(this.store, job));
  }

  /** The same for a photo through a style network. */
  async enqueueFeedforward(job: FeedforwardJob): Promise<number> {
    return this.add(await enqueueFeedforward(this.store, job));
  }

  /** A queued run is cancelled at once; a running one stops after its current iteration, keeping its image. */
  cancel(runId: number): void {
    const running = this.running.get(runId);
    if (running) {
      running.abort();
      return;
    }
    const index = this.waiting.indexOf(runId);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    this.store.cancelRun(runId);
    this.emit({ type: 'run.status', runId, status: 'cancelled' });
    this.settleIfIdle();
  }

  /** The ids waiting, in the order they will start, and those computing. */
  snapshot(): { readonly waiting: readonly number[]; readonly running: readonly number[] } {
    return { waiting: [...this.waiting], running: [...this.running.keys()] };
  }

  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels what is running and stops starting runs; waiting runs stay queued in the store for next time. */
  async close(): Promise<void> {
    this.started = false;
    this.waiting.length = 0;
    for (const controller of this.running.values()) controller.abort();
    await this.idle();
  }

  private add(runId: number): number {
    this.waiting.push(runId);
    this.emit({ type: 'run.status', runId, status: 'queued' });
    this.pump();
    return runId;
  }

  private pump(): void {
    while (this.started && this.running.size < this.concurrency && this.waiting.length > 0) {
      const runId = this.waiting.shift()!;
      const controller = new AbortController();
      this.running.set(runId, controller);
      void this.execute(runId, controller.signal).finally(() => {
        this.running.delete(runId);
        this.pump();
        this.settleIfIdle();
      });
    }
  }

  private async execute(runId: number, signal: AbortSignal): Promise<void> {
    try {
      const outcome = await executeQueuedRun(
        this.store,
        runId,
        this.backend,
        {
          signal,
          onRunning: () => this.emit({ type: 'run.status', runId, status: 'running' }),
          onProgress: (progress) => this.emit({ type: 'run.progress', runId, progress }),
          onStage: (stage) => this.emit({ type: 'run.stage', runId, stage }),
          onTile: ({ done, total }) => this.emit({ type: 'run.tiles', runId, done, total }),
          onPreview: ({ iteration, record, stage, stageDone }) => {
            this.emit({
              type: 'run.preview',
              runId,
              iteration,
              imageId: record.id,
              ...(stage && { stage, stageDone: !!stageDone }),
            });
          },
        },
        this.device,
      );
      this.emit({ type: 'run.status', runId, status: outcome.status });
    } catch (error) {
      // The run's executor has marked it failed in the store (unless it was no longer queued).
      this.emit({
        type: 'run.status',
        runId,
        status: this.statusOf(runId),
        error: isPasticheError(error) ? error.message : `internal error: ${String(error)}`,
      });
    }
  }

  private statusOf(runId: number): RunStatus {
    try {
      return this.store.run(runId).status;
    } catch {
      return 'failed';
    }
  }

  private isIdle(): boolean {
    return this.running.size === 0 && (this.waiting.length === 0 || !this.started);
  }

  private settleIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  }
}
