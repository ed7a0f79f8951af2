import * as tf from '@tensorflow/tfjs';
import { closeSync } from 'node:fs';
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PasticheError } from '../../common/errors.js';
import { convLayers, kernelShape } from '../../common/networks/architecture.js';
import { VGG16, VGG19 } from '../../common/networks/vgg.js';
import type { ExpectedShapes, KerasDataset } from './kerasDatasets.js';
import type { KerasDatasetsRequest } from './kerasDatasetsWorker.js';
import type { NamedWeights } from './layersModel.js';

import { CORRUPT_HDF5, type DescriptorChange } from './hdf5File.js';

export { isHdf5File } from './hdf5File.js';

export interface KerasReadOptions {
  /**
   * The shape each tensor (`block1_conv1/kernel`) must have, checked before its dataset is read; a
   * tensor not listed is not read. By default VGG-16's and VGG-19's convolutions (the only Keras
   * networks the product reads), so that the classifier layers of a file with its top (0.5 GB) are skipped.
   */
  readonly expectedShapes?: ExpectedShapes;
  /** How long HDF5 may take before the file is taken for corrupt (a damaged header can make it loop). */
  readonly timeoutMs?: number;
}

/** VGG-19's Keras file (80 MB) reads in about a second; a minute is a loop, not a slow disk. */
const READ_TIMEOUT_MS = 60_000;

/**
 * The weights of a Keras HDF5 file by tensor name (`block1_conv1/kernel`), read on a thread of its
 * own (kerasDatasetsWorker) within `timeoutMs`, with the checks of readKerasDatasets.
 */
export async function readKerasWeightsFile(file: string, options: KerasReadOptions = {}): Promise<NamedWeights> {
  const request: KerasDatasetsRequest = { file, expectedShapes: options.expectedShapes ?? VGG_SHAPES };
  const { modelName, datasets } = await onReadingThread(request, options.timeoutMs ?? READ_TIMEOUT_MS);
  const tensors: tf.NamedTensorMap = {};
  for (const { name, shape, values } of datasets) tensors[name] = tf.tensor(values, [...shape], 'float32');
  return { modelName: modelName ?? nameInFileName(file), tensors, file };
}

type Reply =
  { ok: true; modelName: string | null; datasets: KerasDataset[] } | { ok: false; refusal: boolean; message: string };

interface ReadingThread {
  readonly worker: Worker;
  /** The descriptors it holds open (HDF5's file, the null device), closed here if it has to be ended. */
  readonly descriptors: Set<number>;
}

let thread: ReadingThread | null = null;
let queue: Promise<unknown> = Promise.resolve();

/** One request at a time on the reading thread, started when first needed and ended when it overruns. */
function onReadingThread(
  request: KerasDatasetsRequest,
  timeoutMs: number,
): Promise<{ modelName: string | null; datasets: KerasDataset[] }> {
  const run = queue.then(() => ask(request, timeoutMs));
  queue = run.catch(() => undefined);
  return run;
}

function ask(
  request: KerasDatasetsRequest,
  timeoutMs: number,
): Promise<{ modelName: string | null; datasets: KerasDataset[] }> {
  const reading = (thread ??= startThread());
  const { worker } = reading;
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      worker.off('message', answered);
      worker.off('error', failed);
      worker.off('exit', failed);
    };
    const answered = (reply: Reply | DescriptorChange) => {
      if ('descriptor' in reply) return;
      done();
      if (reply.ok) resolve(reply);
      // A refusal's message names the file already; anything else h5wasm threw is a bug to report as it is.
      else reject(reply.refusal ? new PasticheError(reply.message) : new Error(reply.message));
    };
    // readKerasDatasets turns whatever h5wasm throws into a refusal: a thread that dies reading it died of the file.
    const failed = () => {
      done();
      thread = null;
      const refusal = new PasticheError(CORRUPT_HDF5, request.file);
      void endThread(reading).then(
        () => reject(refusal),
        () => reject(refusal),
      );
    };
    const timer = setTimeout(() => {
      done();
      thread = null;
      const refusal = new PasticheError(
        `${CORRUPT_HDF5}: HDF5 did not finish reading it within ${timeoutMs / 1000} s`,
        request.file,
      );
      void endThread(reading).then(
        () => reject(refusal),
        () => reject(refusal),
      );
    }, timeoutMs);
    worker.on('message', answered);
    worker.on('error', failed);
    worker.on('exit', failed);
    worker.postMessage(request);
  });
}

function startThread(): ReadingThread {
  const worker = new Worker(new URL('./kerasDatasetsWorker.js', import.meta.url));
  const descriptors = new Set<number>();
  worker.on('message', (message: Reply | DescriptorChange) => {
    if (!('descriptor' in message)) return;
    if (message.descriptor === 'opened') descriptors.add(message.fd);
    else descriptors.delete(message.fd);
  });
  // An idle reading thread does not keep the process alive.
  worker.unref();
  return { worker, descriptors };
}

/** Ends a thread stuck in HDF5 and closes the descriptors it had open (they belong to the process, not the thread). */
async function endThread({ worker, descriptors }: ReadingThread): Promise<void> {
  await worker.terminate();
  for (const fd of descriptors) {
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing left to release.
    }
  }
}

/** Each VGG convolution's kernel [3, 3, in, out] and bias [out] by Keras tensor name (VGG-16's are VGG-19's). */
const VGG_SHAPES: ExpectedShapes = Object.fromEntries(
  [VGG16, VGG19].flatMap((architecture) => {
    let inChannels: number = architecture.inputChannels;
    return convLayers(architecture).flatMap((layer): [string, readonly number[]][] => {
      const kernel = [...kernelShape(layer), inChannels, layer.filters];
      inChannels = layer.filters;
      const keras = layer.name.replace(/^conv(\d+)_(\d+)$/, 'block$1_conv$2');
      return [
        [`${keras}/kernel`, kernel],
        [`${keras}/bias`, [layer.filters]],
      ];
    });
  }),
);

/**
 * A weights-only file does not say which model it belongs to, but Keras Applications name their
 * files after it (vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5); that tells VGG-16 from VGG-19
 * when the file holds only blocks the two share.
 */
function nameInFileName(file: string): string | null {
  return /(?:^|[^a-z0-9])(vgg16|vgg19)(?:[^0-9]|$)/i.exec(basename(file))?.[1].toLowerCase() ?? null;
}
