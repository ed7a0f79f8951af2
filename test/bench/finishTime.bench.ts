import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../engine/node/backend.js';
import { readJsonFileSync } from '../../engine/node/fileIO.js';
import { writeImage } from '../../engine/node/image/imageIO.js';
import { scheduleText } from '../../engine/common/stylize/schedule.js';
import { SHARED, TEST_RESULTS, sharedSkipReason } from '../helpers/shared.js';
import { finishOptions, type FinishOptions } from './finish/finishOptions.js';
import { finishSettings, tracedRun, type TracedRun, type TracePoint } from './finish/finishRun.js';
import { lossPlot } from './finish/lossPlot.js';
import { runPeer, type PeerOutcome } from './finish/peerRun.js';
import { pythonWithTorch } from './peer/pythonWithTorch.js';
import { finishStore } from './finish/finishStore.js';

/**
 * `npm run bench`'s time to a finished picture (issue 15 §3): Tübingen × The Starry Night at 512 px.
 * "Finished" is the total loss, at the final size, that neural-style's defaults reach — 1000 L-BFGS
 * iterations at 512 px, history 100, from the same start (the photo), network and weights — within
 * 5 %. For each network: wall seconds until that loss is reached by (a) the plain run, (b) Pastiche's
 * default schedule (its loss read during its last stage, at the final size) and (c) the PyTorch peer
 * running (a); a PNG of loss against seconds; JSON on stdout and in test-results/finish/.
 * Knobs: finishOptions.ts. Left out, the full honest run (about 20 min a network for the plain run here).
 */
const TOLERANCE = 0.05;
const CONTENT = join(SHARED, 'images/content/tubingen.jpg');
const STYLE = join(SHARED, 'images/style/starry_night.jpg');

if (
  sharedSkipReason(
    'models/vgg19-imagenet-blocks1-3/model.json',
    'images/content/tubingen.jpg',
    'images/style/starry_night.jpg',
  )
) {
  console.log(
    'time to a finished picture: skipped, it needs ../shared (Tübingen, The Starry Night, VGG-19 blocks 1–3)',
  );
  process.exit(0);
}

const options = finishOptions(process.env);
const out = join(TEST_RESULTS, 'finish');
mkdirSync(out, { recursive: true });
const backend = await selectBackend();
const { store, close } = await finishStore(options.networks);
const results = [];
try {
  for (const network of options.networks) results.push(await benchNetwork(network, options));
} finally {
  close();
}
const report = {
  bench: 'time to a finished picture',
  backend: backend.name,
  tolerance: TOLERANCE,
  size: options.size,
  results,
  note:
    'seconds are wall time from asking for the run (decoding and targets included); ' +
    "the peer's from its optimiser set-up",
};
writeFileSync(join(out, 'finish.json'), JSON.stringify(report, null, 2));
console.log(JSON.stringify(report, null, 2));

interface Target {
  readonly loss: number;
  /** `measured` by this run's plain run, or `reused` from FINISH_TARGETS (a run before this one). */
  readonly source: 'measured' | 'reused';
}

async function benchNetwork(network: string, options: FinishOptions) {
  // A candidate schedule tried instead of the default keeps its trace under its own name.
  const tried = options.scheduleGiven
    ? `-${scheduleText(options.schedule).replaceAll(':', '_')}-h${options.defaultHistory}`
    : '';
  const request = (label: string, historySize = 100) => ({
    label,
    network,
    contentFile: CONTENT,
    styleFile: STYLE,
    size: options.size,
    init: 'content' as const,
    historySize,
    traceFile: join(out, `${network}-${options.size}-${label}${label === 'default' ? tried : ''}.trace.jsonl`),
  });
  const plain = options.runs.includes('plain')
    ? await tracedRun(store, backend, { ...request('plain'), schedule: null, iterations: options.plainIterations })
    : null;
  const target = plain ? { loss: plain.finalLoss.total, source: 'measured' as const } : reusedTarget(network, options);
  const schedule = options.schedule;
  const chosen = options.runs.includes('default')
    ? await tracedRun(store, backend, { ...request('default', options.defaultHistory), schedule, iterations: 0 })
    : null;
  for (const run of [plain, chosen])
    if (run) await writeImage(run.image, join(out, `${network}-${options.size}-${run.label}.png`));
  const finished = target.loss * (1 + TOLERANCE);
  const peer = options.runs.includes('peer') ? await peerRun(network, finished, options) : null;
  const series = [
    plain && { label: 'plain: 1000 L-BFGS iterations (neural-style)', colour: '#1f77b4', trace: plain.trace },
    chosen && { label: `Pastiche's default: ${chosen.schedule}`, colour: '#d62728', trace: chosen.trace },
    peer &&
      'trace' in peer && {
        label: `PyTorch ${peer.torch} peer, plain (lowest so far)`,
        colour: '#2ca02c',
        trace: lowestSoFar(peer.trace),
      },
  ].filter((s) => s !== null && s !== false);
  const plot = join(out, `${network}-${options.size}-finish.png`);
  const where = `${options.size} px, ${network} on ${backend.name}`;
  const title = `Tübingen × The Starry Night, ${where} (target ${target.source})`;
  writeFileSync(plot, await lossPlot(title, series, finished, options.size));
  return {
    network,
    target: { ...target, finished },
    plain: plain && summary(plain, target, options.size),
    default: chosen && {
      ...summary(chosen, target, options.size),
      given: options.scheduleGiven,
      history: options.defaultHistory,
    },
    peer: peer && 'trace' in peer ? peerSummary(peer) : peer,
    plot,
  };
}

/** The peer on the plain run's settings; left out, and said so, without PyTorch or for a network not a VGG. */
async function peerRun(network: string, finished: number, options: FinishOptions) {
  const python = pythonWithTorch();
  if (!python)
    return {
      skipped: 'PyTorch is not installed (python3 -c "import torch" fails); on Debian: apt-get install python3-torch',
    };
  const request = {
    label: 'peer',
    network,
    contentFile: CONTENT,
    styleFile: STYLE,
    size: options.size,
    init: 'content' as const,
    historySize: 100,
    schedule: null,
    iterations: options.plainIterations,
  };
  const settings = await finishSettings(request, store.paths.models);
  try {
    return await runPeer(
      python,
      settings,
      { content: CONTENT, style: STYLE },
      store.paths.models,
      finished,
      options.peerCapSeconds,
    );
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The peer's trace is every evaluation, line-search trials included (torch's LBFGS does not say which
 * it accepted); what it has reached by each moment is the lowest loss evaluated so far.
 */
function lowestSoFar(trace: readonly TracePoint[]): TracePoint[] {
  let lowest = Infinity;
  return trace.map((point) => ({ ...point, total: (lowest = Math.min(lowest, point.total)) }));
}

function peerSummary(peer: PeerOutcome) {
  return {
    torch: peer.torch,
    threads: peer.threads,
    ended: peer.ended.reason,
    finalLoss: peer.ended.loss,
    seconds: round(peer.ended.seconds),
    finishedAtSeconds: peer.ended.reason === 'target' ? round(peer.ended.seconds) : null,
    evaluations: peer.trace.length,
    trace: peer.trace,
  };
}

function reusedTarget(network: string, options: FinishOptions): Target {
  if (!options.targetsFile) throw new Error(`no plain run for ${network} and no FINISH_TARGETS to reuse a target from`);
  const file = readJsonFileSync(options.targetsFile) as {
    results?: Array<{ network: string; target: { loss: number } }>;
  } & Record<string, unknown>;
  const loss = file.results?.find((r) => r.network === network)?.target.loss ?? file[network];
  if (typeof loss !== 'number') throw new Error(`${options.targetsFile}: no target for ${network}`);
  return { loss, source: 'reused' };
}

/** When the run first reached the finished loss at the final size, and where it ended. */
function summary(run: TracedRun, target: Target, size: number) {
  const reached = firstFinished(run.trace, target.loss * (1 + TOLERANCE), size);
  return {
    schedule: run.schedule,
    finalLoss: run.finalLoss.total,
    seconds: round(run.seconds),
    finishedAtSeconds: reached ? round(reached.ms / 1000) : null,
    finishedAtIteration: reached?.iteration ?? null,
    trace: run.trace,
  };
}

export function firstFinished(trace: readonly TracePoint[], finished: number, size: number): TracePoint | null {
  return trace.find((point) => point.size === size && point.total <= finished) ?? null;
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10;
}
