import { spawn, type ChildProcess } from 'node:child_process';
import { realpathSync, watch } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { toWire } from '../../engine/common/api/wire.js';
import { cliPath, pasticheIn } from '../helpers/cli.js';
import { copyHome, crashFixtures, STYLIZE, type CrashFixtures } from './crashFixtures.js';
import { storeProblems } from './storeInvariants.js';

// Crash trials: a CLI command or the web host is killed (SIGKILL) at a random moment of its work,
// the store is opened again as a restart would, and the store must still be sound (storeProblems).

const webMainPath = resolve(fileURLToPath(import.meta.url), '../../../engine/node/studio/webMain.js');

interface Scenario {
  readonly name: string;
  /** The kill lands uniformly in [0, killWithinMs) after the start, or ... */
  readonly killWithinMs: number;
  /**
   * ... in every other trial, within 20 ms of the first change in the data folder whose path matches:
   * the moments a random kill rarely lands in (between a copy and its row, inside a folder's renames).
   */
  readonly killNear: RegExp;
  start(home: string, fixtures: CrashFixtures, trial: number): ChildProcess;
  /** A store to start from other than the usual one. */
  home?(fixtures: CrashFixtures): string;
}

function cli(home: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const childEnv = { ...process.env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm', ...env };
  return spawn(process.execPath, [cliPath, ...args], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

const TRAIN = (f: CrashFixtures) => [
  'train-style',
  '--name',
  'crashed',
  '--style',
  f.painting,
  '--photos',
  f.photos,
  '--network',
  'alexnet-random',
  '--content-layers',
  'conv2',
  '--style-layers',
  'conv1,conv2',
  '--size',
  '32',
  '--batch',
  '1',
  '--epochs',
  '2',
  '--checkpoint-every',
  '1',
  '--preview-every',
  '1',
  '--json',
];

const MEDIA = /^media\/../;
/** writeFolderAtomically's temporary and set-aside folders. */
const ASIDE = /\.(partial|previous)-/;

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'stylize',
    killWithinMs: 7000,
    killNear: MEDIA,
    start: (home, f, i) => cli(home, STYLIZE(f.photo, f.painting, join(f.folder, `out-${i}.png`))),
  },
  {
    name: 'fast',
    killWithinMs: 5000,
    killNear: MEDIA,
    start: (home, f, i) =>
      cli(home, [
        'fast',
        '--model',
        'speckle',
        '--content',
        f.photo,
        '--out',
        join(f.folder, `fast-${i}.png`),
        '--size',
        '24',
        '--json',
      ]),
  },
  {
    name: 'generate',
    killWithinMs: 5500,
    killNear: MEDIA,
    start: (home, f, i) =>
      cli(home, [
        'generate',
        '--generator',
        'sparse',
        '--out',
        join(f.folder, `gen-${i}.png`),
        '--size',
        '24',
        '--iterations',
        '6',
        '--network',
        'alexnet-random',
        '--style-layers',
        'conv1',
        '--preview-every',
        '1',
        '--json',
      ]),
  },
  {
    name: 'models import',
    killWithinMs: 3500,
    killNear: ASIDE,
    start: (home, f) => cli(home, ['models', 'import', f.onnx, '--name', 'alex', '--architecture', 'alexnet']),
  },
  {
    name: 'styles import',
    killWithinMs: 5000,
    killNear: ASIDE,
    start: (home, f) => cli(home, ['styles', 'import', f.checkpoint, '--name', 'again']),
  },
  {
    name: 'models install',
    killWithinMs: 4500,
    killNear: /^models\//,
    start: (home, f) => cli(home, ['models', 'install', 'alexnet'], { PASTICHE_CATALOGUE: f.catalogue }),
  },
  {
    name: 'migration',
    killWithinMs: 3000,
    killNear: /pastiche\.db-wal$/,
    home: (f) => f.oldHome,
    start: (home) => cli(home, ['runs', '--json']),
  },
  {
    name: 'train-style',
    killWithinMs: 12000,
    killNear: /^training\/.*\.(partial|previous)-/,
    start: (home, f) => cli(home, TRAIN(f)),
  },
  { name: 'web host', killWithinMs: 10000, killNear: MEDIA, start: (home, f) => webHost(home, f) },
];

/** The web host, driven as the studio's page would: two pictures added, a stylization queued, its result exported. */
function webHost(home: string, fixtures: CrashFixtures): ChildProcess {
  const env = { ...process.env, PASTICHE_HOME: home, PASTICHE_BACKEND: 'wasm', PASTICHE_PORT: '0' };
  const child = spawn(process.execPath, [webMainPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout! });
  lines.once('line', (line) => {
    const url = /open (\S+)/.exec(line)?.[1];
    if (url) driveStudio(new URL(url), fixtures).catch(() => undefined);
  });
  return child;
}

async function driveStudio(url: URL, fixtures: CrashFixtures): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const ask = async (channel: string, args: unknown) => {
    const headers = { 'x-pastiche-token': url.searchParams.get('token')! };
    const response = await fetch(new URL(`/api/${channel}`, url), { method: 'POST', headers, body: toWire(args) });
    return ((await response.json()) as { result: any }).result;
  };
  const photo = await ask('images.add', { name: 'photo.png', bytes: readFileSync(fixtures.photo) });
  const painting = await ask('images.add', { name: 'painting.png', bytes: readFileSync(fixtures.painting) });
  const settings = {
    network: 'alexnet-random',
    contentLayers: ['conv2'],
    styleLayers: [{ layer: 'conv1', weight: 1 }],
    size: 24,
    iterations: 8,
    previewEvery: 1,
  };
  const { runId } = await ask('runs.queue', {
    project: 'web',
    contentImageId: photo.id,
    styleImageIds: [painting.id],
    settings,
  });
  for (;;) {
    const { run, outputs } = await ask('runs.get', { runId });
    if (run.status !== 'queued' && run.status !== 'running') {
      const result = outputs.find((o: { kind: string }) => o.kind === 'result');
      if (result)
        await ask('images.export', {
          imageId: result.image.id,
          print: { width: 1, unit: 'in', dpi: 24 },
          format: 'png',
        });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface TrialOutcome {
  readonly trial: number;
  readonly scenario: string;
  readonly killedAtMs: number;
  /** What the kill was timed by: a random moment, or a change in the data folder. */
  readonly timing: 'random' | 'near a change';
  /** False when the work ended before the kill came. */
  readonly killed: boolean;
  readonly problems: string[];
}

/** Runs `trials` trials, cycling through the scenarios, with kill moments drawn from `seed`. */
export interface TrialOptions {
  readonly trials: number;
  readonly seed?: number;
  readonly log?: (line: string) => void;
}

export async function runCrashTrials({
  trials,
  seed = 1,
  log = () => undefined,
}: TrialOptions): Promise<TrialOutcome[]> {
  const fixtures = await crashFixtures();
  const random = seededRandom(seed);
  const outcomes: TrialOutcome[] = [];
  try {
    for (let trial = 0; trial < trials; trial++) {
      const scenario = SCENARIOS[trial % SCENARIOS.length];
      // Alternating along the scenarios, and the other way round in the next cycle, so any 9 trials have both.
      const cycle = Math.floor(trial / SCENARIOS.length);
      const timing = ((trial % SCENARIOS.length) + cycle) % 2 === 0 ? 'random' : 'near a change';
      const delay = timing === 'random' ? Math.floor(random() * scenario.killWithinMs) : Math.floor(random() * 20);
      const outcome = await runTrial(trial, scenario, fixtures, timing, delay);
      outcomes.push(outcome);
      const when = outcome.killed
        ? `killed at ${outcome.killedAtMs} ms${timing === 'random' ? '' : ' (near a change)'}`
        : 'ended before the kill';
      const verdict = outcome.problems.length === 0 ? 'store sound' : outcome.problems.join('; ');
      log(`trial ${trial + 1}/${trials} ${scenario.name}: ${when}; ${verdict}`);
    }
  } finally {
    await fixtures.close();
  }
  return outcomes;
}

async function runTrial(
  trial: number,
  scenario: Scenario,
  fixtures: CrashFixtures,
  timing: TrialOutcome['timing'],
  delayMs: number,
): Promise<TrialOutcome> {
  const home = copyHome(scenario.home?.(fixtures) ?? fixtures.baseHome, join(fixtures.folder, `home-${trial}`));
  const started = Date.now();
  const child = scenario.start(home, fixtures, trial);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  child.stdout!.resume();
  let killed = false;
  let killedAtMs = 0;
  let timer: NodeJS.Timeout | undefined;
  const killLater = (ms: number) => {
    timer ??= setTimeout(() => {
      killedAtMs = Date.now() - started;
      killed = child.kill('SIGKILL');
    }, ms);
  };
  const watcher = watch(home, { recursive: true }, (_event, name) => {
    if (timing === 'near a change' && name && scenario.killNear.test(name.split('\\').join('/'))) killLater(delayMs);
  });
  if (timing === 'random') killLater(delayMs);
  // A work that changes nothing the pattern matches (a web host waits for ever) is killed all the same.
  const fallback = setTimeout(() => killLater(0), 2 * scenario.killWithinMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  clearTimeout(fallback);
  watcher.close();
  const problems: string[] = [];
  if (!killed && code !== 0 && scenario.name !== 'web host')
    problems.push(`ended with ${code} before the kill: ${stderr.trim()}`);
  if (/internal error/.test(stderr)) problems.push(`an internal error: ${stderr.trim()}`);
  const restart = pasticheIn(home, 'runs', '--json');
  if (restart.code !== 0) problems.push(`the restart failed: ${restart.stderr.trim()}`);
  problems.push(...storeProblems(home));
  return { trial, scenario: scenario.name, killedAtMs, timing, killed, problems };
}

/** mulberry32: the same kill moments for the same seed, so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `npm run crash-trials [-- N [SEED]]`: N trials (PASTICHE_CRASH_TRIALS, 36 by default), one line each, then the
 * figures.
 */
async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? process.env.PASTICHE_CRASH_TRIALS ?? 36);
  const seed = Number(process.argv[3] ?? Date.now() % 100000);
  console.log(`crash trials: ${trials}, seed ${seed}`);
  const outcomes = await runCrashTrials({ trials, seed, log: (line) => console.log(line) });
  const failed = outcomes.filter((outcome) => outcome.problems.length > 0);
  const killed = outcomes.filter((outcome) => outcome.killed).length;
  console.log(
    `${trials} trials (${killed} killed mid-work, ${trials - killed} ended first): ${failed.length} failures`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) await main();
