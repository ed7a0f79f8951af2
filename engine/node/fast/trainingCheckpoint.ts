import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PasticheError } from '../../common/errors.js';
import { checkFields } from '../../common/fieldCheck.js';
import type { TrainerState } from '../../common/fast/styleTrainer.js';
import { variableName } from '../../common/fast/trainableTransformer.js';
import type { TrainStyleSettings, TrainingPhotos } from '../../common/fast/trainingSettings.js';
import { transformerVariables } from '../../common/fast/transformerNetwork.js';
import { writeFolderAtomically } from '../fileIO.js';
import { readLayersModel } from '../networks/layersModel.js';

/**
 * Where a training stands, on disk: its folder holds `model.json` (TensorFlow.js's weights-manifest
 * layout, as saved styles and networks use, with a `pastiche` section) and `weights.bin` holding each
 * variable and Adam's two moments for it. The photos' place in the schedule follows from the step.
 * A new checkpoint replaces the folder atomically, so a crash leaves the last whole one.
 */
export interface TrainingCheckpointInfo {
  /** The training's run in the store. */
  readonly runId: number;
  readonly settings: TrainStyleSettings;
  /** The photos the schedule was drawn for. */
  readonly photos: TrainingPhotos;
  readonly step: number;
  /** Time spent training up to this step, over every session, so a resumed run's metrics go on from it. */
  readonly elapsedMs: number;
  readonly savedAt: string;
}

const CHECKPOINT_FORMAT = 'pastiche-training-checkpoint';

/**
 * The record's own fields; the settings and photos are the run's, which the trainer checks against the run it resumes.
 */
const infoSchema = z.looseObject({
  runId: z.int().positive(),
  step: z.int().nonnegative(),
  elapsedMs: z.number().nonnegative(),
  savedAt: z.string(),
  settings: z.looseObject({}),
  photos: z.looseObject({}),
});

export async function saveCheckpoint(
  folder: string,
  info: Omit<TrainingCheckpointInfo, 'step' | 'savedAt'>,
  state: TrainerState,
): Promise<void> {
  const named: tf.NamedTensorMap = Object.fromEntries([...state.tensors].map(([name, tensor]) => [name, tensor]));
  const { data, specs } = await tf.io.encodeWeights(named);
  const saved: TrainingCheckpointInfo = { ...info, step: state.step, savedAt: new Date().toISOString() };
  const manifest = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    pastiche: saved,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  await writeFolderAtomically(
    folder,
    { 'weights.bin': Buffer.from(data), 'model.json': JSON.stringify(manifest, null, 2) },
    { replace: true },
  );
}

export function hasCheckpoint(folder: string): boolean {
  return existsSync(join(folder, 'model.json'));
}

/** The checkpoint's record and the trainer's state, every variable and moment present with its shape checked. */
export async function loadCheckpoint(folder: string): Promise<{ info: TrainingCheckpointInfo; state: TrainerState }> {
  const model = await readLayersModel(folder);
  try {
    if (model.json.format !== CHECKPOINT_FORMAT || !('pastiche' in model.json))
      throw new PasticheError('not a training checkpoint of Pastiche', model.file);
    const info = checkFields(infoSchema, model.json.pastiche, model.file, [
      'pastiche',
    ]) as unknown as TrainingCheckpointInfo;
    for (const variable of transformerVariables()) {
      for (const name of [variableName(variable), `${variableName(variable)}/m`, `${variableName(variable)}/v`]) {
        const tensor = model.tensors[name];
        if (tensor?.shape.join() !== variable.shape.join()) {
          throw new PasticheError(
            `${name} is ${tensor ? tensor.shape.join('×') : 'missing'}, the style network needs ` +
              `${variable.shape.join('×')}`,
            model.file,
          );
        }
      }
    }
    return { info, state: { step: info.step, tensors: new Map(Object.entries(model.tensors)) } };
  } catch (error) {
    tf.dispose(Object.values(model.tensors));
    throw error;
  }
}
