import { parentPort } from 'node:worker_threads';
import { isPasticheError } from '../../common/errors.js';
import { reportDescriptors } from './hdf5File.js';
import { readKerasDatasets, type ExpectedShapes } from './kerasDatasets.js';

/** A request from readKerasWeightsFile: one file at a time. */
export interface KerasDatasetsRequest {
  readonly file: string;
  readonly expectedShapes: ExpectedShapes;
}

/**
 * Reads Keras HDF5 files off the calling thread, so that a file on which HDF5 never finishes (a
 * corrupt object header it walks in a loop) can be given up on by ending this thread. The values
 * are transferred, not copied; a refusal crosses as its one-line message.
 */
// Posted at once, even while HDF5 is busy: the calling thread closes what a thread it ends left open.
reportDescriptors((change) => parentPort!.postMessage(change));

parentPort!.on('message', ({ file, expectedShapes }: KerasDatasetsRequest) => {
  readKerasDatasets(file, expectedShapes).then(
    (read) =>
      parentPort!.postMessage(
        { ok: true, ...read },
        read.datasets.map((d) => d.values.buffer as ArrayBuffer),
      ),
    (error: unknown) =>
      parentPort!.postMessage({
        ok: false,
        refusal: isPasticheError(error),
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
