import { resolve } from 'node:path';
import { selectBackend, type BackendInfo } from '../backend.js';
import { writeImage } from '../image/imageIO.js';
import { onProviderFallback } from '../onnxruntime/sessions.js';
import type { RunHooks, RunOutcome } from '../runs/recordedRun.js';
import { openRunStore, type RunStore } from '../store/runStore.js';
import { checkOutputFile } from './outputFile.js';
import { printJson, progressView } from './progressView.js';

/** The options every run command shares. */
export interface ForegroundOptions {
  readonly out: string;
  readonly backend?: string;
  readonly json: boolean;
}

/** A run checked and ready to record and compute in the store. */
export interface ForegroundRun {
  readonly project: string;
  readonly iterations: number;
  /** A line for stderr when the run starts (a network picked by default that is a generated one), else null. */
  readonly advice?: string | null;
  start(hooks: RunHooks): Promise<RunOutcome>;
}

/**
 * Records and computes one run in the foreground, as `stylize` and `generate` do: progress on stderr
 * (or JSON lines on stdout), the result written to --out, Ctrl-C cancelling after the current
 * iteration with the image reached kept. `prepare` may refuse the run; then nothing is recorded.
 * `inputs` are the files and folders the run reads, which --out may not replace (checkOutputFile).
 */
export async function runInForeground(
  options: ForegroundOptions,
  inputs: ReadonlyArray<string | undefined>,
  prepare: (store: RunStore, backend: BackendInfo) => ForegroundRun,
): Promise<void> {
  checkOutputFile(options.out, inputs);
  const backend = await selectBackend(options.backend);
  const store = openRunStore();
  let run: ForegroundRun;
  try {
    run = prepare(store, backend);
  } catch (error) {
    store.close();
    throw error;
  }
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  const view = progressView(options.json);
  // Never silent: a graph the chosen provider refused is said the moment it moves to the CPU.
  const stopListening = onProviderFallback(({ provider, graph, reason }) => {
    announce(options.json, { event: 'fallback', provider, to: 'cpu', graph, reason }, [
      `onnxruntime/${provider} refused a graph (${graph}): ${reason}; it runs on onnxruntime/cpu`,
    ]);
  });
  try {
    const outcome = await run.start({
      signal: abort.signal,
      onStart: ({ runId, network, width, height }) => {
        // On stderr even with --json, whose stdout stays JSON lines; once, so the Network line below does not repeat
        // it.
        if (run.advice) process.stderr.write(`${run.advice}\n`);
        const randomNote = run.advice
          ? ' — random weights'
          : ' — random weights, no download needed; pretrained networks give better results (see `pastiche models`)';
        announce(
          options.json,
          {
            event: 'start',
            runId,
            backend: backend.name,
            network: network.name,
            width,
            height,
            iterations: run.iterations,
          },
          [
            `Run ${runId} · project '${run.project}' · ${width}×${height} · ${run.iterations} iterations`,
            backendLine(backend),
            `Network: ${network.name}${network.status === 'embedded' ? randomNote : ''}`,
          ],
        );
        view.start(run.iterations);
      },
      onProgress: (progress) => view.update(progress),
      onPreview: ({ iteration, record, stage, stageDone }) => {
        if (!options.json) return;
        // A scheduled run's previews name their stage; `stageDone` marks a stage's result.
        const scheduled = stage && { stage, stageDone: !!stageDone };
        printJson({ event: 'preview', iteration, imageId: record.id, path: record.path, ...scheduled });
      },
      // A print schedule's stage, or one of its tiles, done.
      onPiece: ({ stage, stages, tile, tiles, size, initialLoss, finalLoss }) => {
        if (options.json)
          printJson({
            event: 'piece',
            stage,
            stages,
            tile,
            tiles,
            width: size.width,
            height: size.height,
            loss: { initial: initialLoss.total, final: finalLoss.total },
          });
      },
    });
    view.stop();
    await writeImage(outcome.image, options.out);
    const summary = {
      event: outcome.status === 'done' ? 'done' : 'cancelled',
      runId: outcome.runId,
      output: resolve(options.out),
      backend: outcome.backend,
      network: outcome.network.name,
      iterations: outcome.iterationsDone,
      loss: { initial: outcome.initialLoss.total, final: outcome.finalLoss.total },
      ms: outcome.elapsedMs,
    };
    const converged = outcome.status === 'done' && outcome.iterationsDone < run.iterations;
    announce(options.json, summary, [
      `${outcome.status === 'done' ? 'Done' : 'Cancelled'}: ${summary.output} ` +
        `(run ${outcome.runId}, ${outcome.iterationsDone} iterations in ` +
        `${(outcome.elapsedMs / 1000).toFixed(1)} s on ${outcome.backend}, loss ` +
        `${outcome.initialLoss.total.toPrecision(4)} → ${outcome.finalLoss.total.toPrecision(4)})`,
      ...(converged
        ? [`Stopped before ${run.iterations} iterations: L-BFGS could lower the loss no further (converged).`]
        : []),
    ]);
    if (outcome.status === 'cancelled') process.exitCode = 130;
  } finally {
    view.stop();
    stopListening();
    process.off('SIGINT', onInterrupt);
    store.close();
  }
}

/** An event as one JSON line on stdout, or as lines for people on stderr. */
export function announce(json: boolean, event: object, lines: string[]): void {
  if (json) printJson(event);
  else process.stderr.write(lines.join('\n') + '\n');
}

/** What a run on a backend without native code (wasm, cpu) is told by default: how to go faster. */
const NATIVE_SPEED_HINT = 'install @tensorflow/tfjs-node for native speed';

/** A run's `Backend:` line: the backend, what it uses, and on wasm or cpu `slowHint` in brackets. */
export function backendLine(backend: BackendInfo, slowHint: string = NATIVE_SPEED_HINT): string {
  const hint = backend.name === 'wasm' || backend.name === 'cpu' ? ` (${slowHint})` : '';
  return `Backend: ${backend.name} — ${backend.description}${hint}`;
}
