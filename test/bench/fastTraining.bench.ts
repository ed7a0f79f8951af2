import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { styleTrainer, type TrainerOptions } from '../../engine/common/fast/styleTrainer.js';
import {
  TRAIN_STYLE_DEFAULTS,
  resolveTrainStyleSettings,
  trainingLayers,
} from '../../engine/common/fast/trainingSettings.js';
import { featureNetwork } from '../../engine/common/networks/featureNetwork.js';
import { layerNames } from '../../engine/common/networks/architecture.js';
import { randomWeights } from '../../engine/common/networks/randomWeights.js';
import { VGG19 } from '../../engine/common/networks/vgg.js';
import { nativeGradientRuntime, selectBackend } from '../../engine/node/backend.js';
import { nativeTransformerGradient } from '../../engine/node/fast/nativeTransformerGradient.js';
import { withNativeGradient } from '../../engine/node/networks/nativeGradient.js';
import { syntheticImage } from '../helpers/tf.js';

/**
 * Training steps of a fast style network per second (Johnson et al. 2016, as the recipe trains it:
 * 256 px photos, VGG-19 with content conv4_2 and style conv1_1 … conv5_1, Adam) on onnxruntime at
 * batch 4 and 1 and on wasm at batch 4, each in its own process so its peak resident memory is its
 * own. The trainer takes a batch as `pastiche train-style` does on that backend (on onnxruntime the
 * transformer and the loss network run natively). The first step (warm-up) is not counted; the
 * others' mean is reported, in wall time and in CPU time over all threads (cpuMsPerStep, which other
 * work on the machine disturbs less). With the recipe's length — 2 epochs of COCO's 82,783 photos in batches
 * of 4, 41,390 steps — it estimates a whole training here.
 */
const SIZE = 256;
/** wasm takes over a minute a step: one counted step is enough to compare. */
const RUNS = [
  { backend: 'onnxruntime', batch: 4, steps: 4 },
  { backend: 'onnxruntime', batch: 1, steps: 4 },
  { backend: 'wasm', batch: 4, steps: 2 },
];
const RECIPE_STEPS = 2 * Math.floor(82_783 / 4);

async function measure(batchSize: number, steps: number): Promise<object> {
  const backend = await selectBackend();
  const runtime = nativeGradientRuntime();
  const weights = randomWeights(VGG19, 0);
  const plain = featureNetwork('vgg19-random', VGG19, weights);
  // As the registry loads networks on onnxruntime: their passes run natively.
  const network = runtime ? withNativeGradient(plain, weights, runtime) : plain;
  const native: TrainerOptions = runtime ? { transformerGradient: nativeTransformerGradient(runtime) } : {};
  const settings = resolveTrainStyleSettings({ ...trainingLayers(VGG19, layerNames(VGG19)), size: SIZE, batchSize });
  const painting = syntheticImage(SIZE, SIZE, 99);
  // As `pastiche train-style` does: one picture a pass on the CPU backends (memory; no speed to gain).
  const picturesPerPass = backend.name === 'wasm' || backend.name === 'cpu' ? 1 : batchSize;
  const trainer = styleTrainer(network, settings, painting, { picturesPerPass, ...native });
  const photos = tf.stack(
    Array.from({ length: batchSize }, (_, i) => syntheticImage(SIZE, SIZE, 10 + i)),
  ) as tf.Tensor4D;
  const msPerStep: number[] = [];
  const cpuMsPerStep: number[] = [];
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    losses.push((await trainer.trainStep(photos)).total);
    msPerStep.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMsPerStep.push((cpu.user + cpu.system) / 1000);
  }
  const counted = msPerStep.slice(1);
  const mean = counted.reduce((a, b) => a + b, 0) / counted.length;
  return {
    size: SIZE,
    batchSize,
    picturesPerPass,
    backend: backend.name,
    backendDescription: backend.description,
    msPerStep: Math.round(mean),
    stepsPerSecond: Number((1000 / mean).toPrecision(3)),
    msPerStepAll: msPerStep.map(Math.round),
    // CPU time over every thread: what the step costs, less disturbed than wall time by other work on the machine.
    cpuMsPerStep: Math.round(cpuMsPerStep.slice(1).reduce((a, b) => a + b, 0) / counted.length),
    losses: losses.map((loss) => Number(loss.toPrecision(4))),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    recipeHours:
      batchSize === TRAIN_STYLE_DEFAULTS.batchSize ? Math.round((RECIPE_STEPS * mean) / 3_600_000) : undefined,
  };
}

const batchArgument = process.argv.indexOf('--batch');
if (batchArgument > 0) {
  const [batch, steps] = [1, 2].map((i) => Number(process.argv[batchArgument + i]));
  process.stdout.write(JSON.stringify(await measure(batch, steps)));
} else {
  const results = RUNS.map(({ backend, batch, steps }) =>
    JSON.parse(
      execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--batch', String(batch), String(steps)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PASTICHE_BACKEND: backend },
      }),
    ),
  );
  const perSecond = (backend: string) =>
    results.find((r) => r.backend === backend && r.batchSize === 4)?.stepsPerSecond;
  console.log(
    JSON.stringify(
      {
        benchmark:
          'fast style network training step (Johnson et al. 2016), VGG-19 loss network (vgg19-random: the pretrained ' +
          'one costs the same)',
        recipe:
          `${RECIPE_STEPS} steps: 2 epochs of COCO's 82,783 photos in batches of 4; recipeHours is that many ` +
          `steps at this speed`,
        machine: { cpus: cpus().length, node: process.version },
        results,
        onnxruntimeOverWasmAtBatch4: Number((perSecond('onnxruntime') / perSecond('wasm')).toPrecision(3)),
      },
      null,
      2,
    ),
  );
}
