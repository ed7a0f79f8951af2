import type { Attribute, Dataset, Group } from 'h5wasm';
import { fstatSync, openSync, type Stats } from 'node:fs';
import { devNull } from 'node:os';
import { resolve } from 'node:path';
import { isPasticheError, PasticheError } from '../../common/errors.js';
import { assertFiniteWeights } from '../../common/networks/finiteWeights.js';
import { inspectFile, MAX_FILE_BYTES } from '../fileIO.js';

type H5Module = typeof import('h5wasm/node');
let loading: Promise<H5Module> | null = null;
let loaded: H5Module | null = null;

/**
 * h5wasm's Node build (HDF5 compiled to WebAssembly, reading the host's files directly), loaded once.
 * Its Emscripten start-up takes a runtime with a global `navigator` (Node ≥ 21, Electron) for a
 * browser, so `navigator` is hidden while it starts, as h5wasm's README advises.
 */
function hdf5(): Promise<H5Module> {
  loading ??= (async () => {
    const navigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    if (navigator?.configurable)
      Object.defineProperty(globalThis, 'navigator', { value: undefined, configurable: true });
    try {
      const h5 = await import('h5wasm/node');
      await h5.ready;
      loaded = h5;
      return h5;
    } finally {
      if (navigator?.configurable) Object.defineProperty(globalThis, 'navigator', navigator);
    }
  })();
  return loading;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export const CORRUPT_HDF5 = 'not a readable HDF5 file (corrupt or truncated)';

/**
 * True when the file is a regular file starting with HDF5's signature (at offset 0, where every file
 * Keras writes has it). Anything that cannot be inspected (a folder, a pipe, a missing file) is not.
 */
export async function isHdf5File(file: string): Promise<boolean> {
  const inspected = await inspectFile(file, HDF5_SIGNATURE.length).catch(() => null);
  return inspected?.head.equals(HDF5_SIGNATURE) ?? false;
}

/**
 * Opens an HDF5 file read-only and runs `read` (synchronous: the confinement lasts only while it
 * runs) on its root. The file must be a regular file of at most `maxBytes` with HDF5's signature.
 * While `read` runs, HDF5 may open only that file (the one inspected: same device and inode), so
 * external links, external raw data and virtual datasets cannot make it read another file or block
 * on a pipe; and its error stack, which it prints to the process's stderr (80 lines for a corrupt
 * file), goes to the null device. Any failure of h5wasm becomes one line naming the file.
 */
export async function readHdf5File<T>(file: string, read: (root: Group) => T, maxBytes = MAX_FILE_BYTES): Promise<T> {
  const { stats, head } = await inspectFile(file, HDF5_SIGNATURE.length, maxBytes);
  if (!head.equals(HDF5_SIGNATURE)) throw new PasticheError('not an HDF5 file', file);
  const h5 = await hdf5();
  const path = resolve(file);
  return confined(
    h5,
    path,
    stats,
    () => {
      const opened = new h5.File(path, 'r');
      if (opened.file_id < 0n) throw new PasticheError(CORRUPT_HDF5, file);
      try {
        return read(opened);
      } finally {
        opened.close();
      }
    },
    file,
  );
}

/** The parts of Emscripten's file system (NODERAWFS: the host's) that confinement replaces for a while. */
interface EmscriptenFs {
  open(path: string, flags: number, mode?: number): { nfd: number };
  close(stream: { nfd: number }): void;
  getStream(fd: number): { nfd: number } | null;
  ErrnoError: new (errno: number) => Error;
}

/** EACCES in the WASI numbering Emscripten's file system uses. */
const WASI_EACCES = 2;

let nullDevice: number | null = null;

/** Told of every descriptor confinement opens or closes (see reportDescriptors). */
let report: ((change: DescriptorChange) => void) | null = null;

export interface DescriptorChange {
  readonly descriptor: 'opened' | 'closed';
  readonly fd: number;
}

/**
 * Tells `listener` of each file descriptor HDF5 and confinement open and close on this thread, so
 * that a thread ended mid-read (HDF5 looping on a damaged header) leaves none open behind it.
 */
export function reportDescriptors(listener: (change: DescriptorChange) => void): void {
  report = listener;
}

/** Runs `work` with h5wasm's opens limited to `path` (the inode inspected) and its stderr sent to the null device. */
function confined<T>(h5: H5Module, path: string, inspected: Stats, work: () => T, file: string): T {
  const fs = h5.FS as unknown as EmscriptenFs;
  const { open, close } = fs;
  const stderr = fs.getStream(2);
  const stderrFd = stderr?.nfd;
  fs.open = (target, flags, mode) => {
    if (resolve(String(target)) !== path) throw new fs.ErrnoError(WASI_EACCES);
    const stream = open(target, flags, mode);
    const opened = fstatSync(stream.nfd);
    if (!opened.isFile() || opened.ino !== inspected.ino || opened.dev !== inspected.dev) {
      close(stream);
      throw new fs.ErrnoError(WASI_EACCES);
    }
    report?.({ descriptor: 'opened', fd: stream.nfd });
    return stream;
  };
  fs.close = (stream) => {
    const fd = stream.nfd;
    close(stream);
    report?.({ descriptor: 'closed', fd });
  };
  // Kept open for the process's life: one descriptor, not one per file read.
  if (nullDevice === null) {
    nullDevice = openSync(devNull, 'w');
    report?.({ descriptor: 'opened', fd: nullDevice });
  }
  if (stderr) stderr.nfd = nullDevice;
  try {
    return work();
  } catch (error) {
    throw isPasticheError(error) ? error : new PasticheError(CORRUPT_HDF5, file);
  } finally {
    fs.open = open;
    fs.close = close;
    if (stderr) stderr.nfd = stderrFd!;
  }
}

/** The group `name` inside `parent` (a path within the file), or null when absent or not a group. */
export function childGroup(parent: Group, name: string): Group | null {
  const child = parent.get(name);
  return loaded && child instanceof loaded.Group ? child : null;
}

/** The dataset `name` inside `parent`, or null when absent or not a dataset. */
export function childDataset(parent: Group, name: string): Dataset | null {
  const child = parent.get(name);
  return loaded && child instanceof loaded.Dataset ? child : null;
}

/** HDF5's type classes (H5T_class_t) the readers accept. */
const H5T_FLOAT = 1;
const H5T_STRING = 3;

/** The most names a string-list attribute (Keras' `layer_names`, `weight_names`) may hold: VGG-19 has 26 layers. */
const MAX_NAMES = 10_000;

/** A string-array attribute (h5py writes them as fixed-length byte strings); null when absent. */
export function stringListAttribute(object: Group, name: string, file: string): string[] | null {
  if (!Object.hasOwn(object.attrs, name)) return null;
  const attribute: Attribute = object.attrs[name];
  const count = (attribute.shape ?? []).reduce((a, b) => a * b, 1);
  if (attribute.metadata.type !== H5T_STRING || (attribute.shape?.length ?? 0) > 1 || count > MAX_NAMES) {
    throw new PasticheError(`attribute ${name} of ${object.path} is not a list of at most ${MAX_NAMES} names`, file);
  }
  const value = attribute.value;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.map(String) : [];
}

/** A string attribute's text; null when absent or not a string. */
export function stringAttribute(object: Group, name: string): string | null {
  if (!Object.hasOwn(object.attrs, name)) return null;
  const attribute = object.attrs[name];
  const value = attribute.metadata.type === H5T_STRING ? attribute.value : null;
  return typeof value === 'string' ? value : null;
}

/**
 * A float32 dataset's values, after its type and shape are checked against `shape` (so that no
 * more is read than the caller needs), refused when any value is not finite.
 */
export function float32Dataset(dataset: Dataset, shape: readonly number[], name: string, file: string): Float32Array {
  const { metadata } = dataset;
  const found = metadata.shape;
  if (metadata.type !== H5T_FLOAT || metadata.size !== 4 || !metadata.littleEndian || metadata.virtual_sources) {
    const dtype = JSON.stringify(dataset.dtype);
    throw new PasticheError(`dataset ${name} is not little-endian float32 (dtype ${dtype})`, file);
  }
  if (!found || found.join() !== shape.join()) {
    const size = found?.join('×') ?? 'empty';
    throw new PasticheError(`dataset ${name} is ${size}, the network needs ${shape.join('×')}`, file);
  }
  const values = dataset.value;
  const count = shape.reduce((a, b) => a * b, 1);
  if (!(values instanceof Float32Array) || values.length !== count) throw new PasticheError(CORRUPT_HDF5, file);
  assertFiniteWeights(values, `dataset ${name}`, file);
  return values;
}
