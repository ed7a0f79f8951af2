import { PasticheError } from '../../../engine/common/errors.js';
import { PASTICHE_DEFAULT_HISTORY, pasticheSchedule } from '../../../engine/common/stylize/pasticheDefaults.js';
import type { StylizeSchedule } from '../../../engine/common/stylize/schedule.js';
import { scheduleOption } from '../../../engine/node/cli/optionParsers.js';
import { REFERENCE } from '../quality/qualityOptions.js';

export type FinishRunKind = 'plain' | 'default' | 'peer';
const RUN_KINDS: readonly FinishRunKind[] = ['plain', 'default', 'peer'];

export interface FinishOptions {
  readonly networks: readonly string[];
  readonly runs: readonly FinishRunKind[];
  readonly size: number;
  /** neural-style's plain run: this many L-BFGS iterations at `size` (1000). */
  readonly plainIterations: number;
  /** Pastiche's default schedule to `size`, or the one given to try instead. */
  readonly schedule: StylizeSchedule;
  readonly scheduleGiven: boolean;
  /** L-BFGS history of the default's run (FINISH_HISTORY, to try another than the default's). */
  readonly defaultHistory: number;
  /** The peer gives up after this many seconds when it has not reached the target. */
  readonly peerCapSeconds: number;
  /** A JSON file of targets measured before ({network: total loss}), used instead of running plain: labelled reused. */
  readonly targetsFile: string | null;
}

/**
 * The bench's knobs, from the environment; left out, the full honest run: FINISH_NETWORKS
 * (vgg19-random,vgg19-blocks1-3), FINISH_RUNS (plain,default,peer), FINISH_SIZE (512),
 * FINISH_PLAIN_ITERATIONS (1000), FINISH_SCHEDULE (SIZE:ITERATIONS,…: a candidate instead of the
 * default), FINISH_PEER_CAP (seconds, 3600), FINISH_TARGETS (a finish.json or {network: loss} file).
 */
export function finishOptions(env: NodeJS.ProcessEnv): FinishOptions {
  const list = (name: string, fallback: readonly string[]) =>
    env[name]
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean) ?? [...fallback];
  const runs = list('FINISH_RUNS', RUN_KINDS);
  const unknown = runs.find((run) => !(RUN_KINDS as readonly string[]).includes(run));
  if (unknown) throw new PasticheError(`must be among ${RUN_KINDS.join(', ')}, got ${unknown}`, 'FINISH_RUNS');
  const size = whole(env, 'FINISH_SIZE', 512);
  const given = env.FINISH_SCHEDULE ? scheduleOption('FINISH_SCHEDULE')(env.FINISH_SCHEDULE) : null;
  const schedule = given ? { stages: given.map((stage) => ({ ...stage, tile: null })) } : pasticheSchedule(size);
  if (schedule.stages.at(-1)!.size !== size) {
    throw new PasticheError(`must end at FINISH_SIZE ${size}, got ${schedule.stages.at(-1)!.size}`, 'FINISH_SCHEDULE');
  }
  return {
    networks: list('FINISH_NETWORKS', ['vgg19-random', REFERENCE]),
    runs: runs as FinishRunKind[],
    size,
    plainIterations: whole(env, 'FINISH_PLAIN_ITERATIONS', 1000),
    schedule,
    scheduleGiven: given !== null,
    defaultHistory: whole(env, 'FINISH_HISTORY', PASTICHE_DEFAULT_HISTORY),
    peerCapSeconds: whole(env, 'FINISH_PEER_CAP', 3600),
    targetsFile: env.FINISH_TARGETS ?? null,
  };
}

function whole(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new PasticheError(`must be a whole number ≥ 1, got ${text}`, name);
  return value;
}
