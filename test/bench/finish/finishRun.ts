import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RgbImage } from '../../../engine/common/image.js';
import type { LossTerms } from '../../../engine/common/losses/styleTransferLoss.js';
import { networkDefaults } from '../../../engine/common/stylize/presets.js';
import { scheduleIterations, scheduleText, type StylizeSchedule } from '../../../engine/common/stylize/schedule.js';
import { resolveSettings, type StylizeSettings } from '../../../engine/common/stylize/settings.js';
import type { BackendInfo } from '../../../engine/node/backend.js';
import { describeNetwork } from '../../../engine/node/networks/registry.js';
import { runStylize } from '../../../engine/node/runs/stylizeRun.js';
import type { RunStore } from '../../../engine/node/store/runStore.js';
import { REFERENCE } from '../quality/qualityOptions.js';
import { VGG_LOSS_LAYERS } from '../quality/vggLoss.js';

/** One point of a run's loss against time: after `iteration` steps of the whole schedule, at the stage of `size` px. */
export interface TracePoint {
  readonly iteration: number;
  /** Long side of the stage the loss was measured at. */
  readonly size: number;
  readonly total: number;
  /** Wall milliseconds since the run was asked for (its images' decoding included). */
  readonly ms: number;
}

export interface TracedRun {
  readonly label: string;
  readonly network: string;
  /** The schedule as the run recorded it (null: plain, in one piece at the final size). */
  readonly schedule: string;
  readonly settings: StylizeSettings;
  readonly trace: TracePoint[];
  readonly finalLoss: LossTerms;
  readonly image: RgbImage;
  readonly seconds: number;
}

/** What a finish run paints: the photo and painting files and what differs from the network's defaults. */
export interface FinishRunRequest {
  readonly label: string;
  readonly network: string;
  readonly contentFile: string;
  readonly styleFile: string;
  readonly size: number;
  /** Null: neural-style's plain run at `size` for `iterations`. */
  readonly schedule: StylizeSchedule | null;
  readonly iterations: number;
  readonly init: StylizeSettings['init'];
  readonly historySize: number;
  /** Where each trace point is appended as it comes (a line of JSON), so a long run killed halfway keeps its trace. */
  readonly traceFile?: string;
}

/**
 * The network's own layers and weights, except the reference (../shared's VGG-19 blocks 1–3), which
 * has no conv4/conv5 and reads the quality bench's layers (content conv3_2, style conv1_1, conv2_1, conv3_1).
 */
export async function finishSettings(request: FinishRunRequest, modelsDir: string): Promise<StylizeSettings> {
  const { architecture } = await describeNetwork(request.network, modelsDir);
  const reference =
    request.network === REFERENCE
      ? {
          contentLayers: [...VGG_LOSS_LAYERS.content],
          styleLayers: VGG_LOSS_LAYERS.style.map((layer) => ({ layer, weight: 1 })),
        }
      : {};
  return resolveSettings({
    network: request.network,
    init: request.init,
    previewEvery: 0,
    seed: 0,
    ...networkDefaults(architecture),
    ...reference,
    size: request.size,
    iterations: request.schedule ? scheduleIterations(request.schedule) : request.iterations,
    schedule: request.schedule,
    optimizer: { name: 'lbfgs', historySize: request.historySize },
  });
}

/** One stylization through the engine's own runStylize, its loss kept after every iteration with the wall time. */
export async function tracedRun(store: RunStore, backend: BackendInfo, request: FinishRunRequest): Promise<TracedRun> {
  const settings = await finishSettings(request, store.paths.models);
  const stageAt = stageOfIteration(settings);
  const trace: TracePoint[] = [];
  if (request.traceFile) {
    mkdirSync(dirname(request.traceFile), { recursive: true });
    writeFileSync(request.traceFile, '');
  }
  const started = performance.now();
  const outcome = await runStylize(
    store,
    {
      project: 'finish',
      contentFile: request.contentFile,
      styleFiles: [request.styleFile],
      settings,
    },
    backend,
    {
      onProgress: ({ iteration, loss }) => {
        const point = {
          iteration,
          size: stageAt(iteration),
          total: loss.total,
          ms: Math.round(performance.now() - started),
        };
        trace.push(point);
        if (request.traceFile) appendFileSync(request.traceFile, `${JSON.stringify(point)}\n`);
      },
    },
  );
  return {
    label: request.label,
    network: request.network,
    schedule: settings.schedule ? scheduleText(settings.schedule) : 'plain',
    settings,
    trace,
    finalLoss: outcome.finalLoss,
    image: outcome.image,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The stage size of the schedule's iteration n (the run's progress counts steps over the whole
 * schedule): iteration n belongs to the first stage whose cumulative iterations reach n.
 */
function stageOfIteration(settings: StylizeSettings): (iteration: number) => number {
  const stages = settings.schedule?.stages ?? [{ size: settings.size, iterations: settings.iterations }];
  return (iteration) => {
    let reached = 0;
    for (const stage of stages) {
      reached += stage.iterations;
      if (iteration <= reached && stage.iterations > 0) return stage.size;
    }
    return stages.at(-1)!.size;
  };
}
