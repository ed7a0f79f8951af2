import * as tf from '@tensorflow/tfjs';

/**
 * Two-dimensional discrete Fourier transforms of real, channels-first maps [C, rows, cols], written
 * as matrix products so that they run on every TensorFlow.js backend and differentiate like any op.
 *
 * Why not tf.spectral: TensorFlow.js 4.22 registers no FFT, IFFT, Complex, Real or Imag kernel on
 * the wasm backend, and no gradient for any of them on any backend (checked on cpu and wasm). A 1-D
 * DFT of length N is a product with the N×N matrix of roots of unity. On wasm XNNPACK's GEMM runs
 * at ~10 GFLOP/s (measured), while one elementwise op over a 64×255×255 array takes 5–10 ms, so each
 * of a radix-2 FFT's log₂N stages — a dozen such ops (split, twiddle, butterfly, interleave) — would
 * cost about what the whole matrix product along that axis does (~115 ms for 64×128 → 255): for the
 * map sizes style layers have the O(N²) product is the faster transform here. Matrix products also
 * take any length, so transforms are exactly as large as needed (2H−1, not a power of two).
 *
 * Conventions:
 * - A transform of size P×Q reads the map at given integer row and column positions, so zero
 *   padding costs nothing and lags may be negative: X(k, l) = Σ f(r, c)·e^{−2πi(k·r/P + l·c/Q)}.
 * - A real map's spectrum is Hermitian, X(−k, −l) = X̄(k, l), so only the half-plane of columns
 *   l = 0..⌊Q/2⌋ is kept (L = ⌊Q/2⌋ + 1 of them), as rfft2 does.
 * - A half spectrum is a [C·L, 2P] matrix: one row per (channel, l), the real parts of k = 0..P−1
 *   followed by the imaginary parts (a "real part" spectrum keeps only the first P columns).
 */

/** Where a map is sampled (forward) or a transform is evaluated (inverse), and the DFT size. */
export interface DftAxes {
  /** Transform size along rows (P) and columns (Q). */
  readonly size: readonly [number, number];
  /** Integer row and column positions, any sign; only their values modulo the size matter. */
  readonly rows: readonly number[];
  readonly cols: readonly number[];
}

/** Columns of a half spectrum of width Q: l = 0..⌊Q/2⌋. */
export function halfSpectrumWidth(q: number): number {
  return Math.floor(q / 2) + 1;
}

/**
 * The half spectrum of real maps [C, rows.length, cols.length] sampled at `axes`: [C·L, 2P], or only
 * the real parts [C·L, P] when `part` is 'real' (what an even map's transform consists of).
 */
export function forwardHalfSpectrum(
  maps: tf.Tensor3D,
  axes: DftAxes,
  part: 'complex' | 'real' = 'complex',
): tf.Tensor2D {
  return tf.tidy(() => {
    const [channels, rows, cols] = maps.shape;
    const [p, q] = axes.size;
    const l = halfSpectrumWidth(q);
    // Along columns first: real input, so one product gives the real and imaginary halves.
    const alongCols = tf.matMul(tf.reshape(maps, [channels * rows, cols]), dftMatrix('forwardCols', q, axes.cols));
    // Rows become the contracted axis: [C, rows, (re|im), L] → [C, L, (re|im), rows].
    const byColumn = tf.reshape(tf.transpose(tf.reshape(alongCols, [channels, rows, 2, l]), [0, 3, 2, 1]), [
      channels * l,
      2 * rows,
    ]);
    return tf.matMul(byColumn, dftMatrix(part === 'real' ? 'forwardRowsRealPart' : 'forwardRows', p, axes.rows));
  });
}

/**
 * The real maps [C, rows.length, cols.length] whose half spectrum is `spectrum` (complex [C·L, 2P]
 * or real [C·L, P]), evaluated at `axes` and multiplied by `scale`:
 * f(r, c) = scale/(P·Q) · Σ_{k,l} X(k, l)·e^{+2πi(k·r/P + l·c/Q)}.
 */
export function inverseHalfSpectrum(spectrum: tf.Tensor2D, channels: number, axes: DftAxes, scale = 1): tf.Tensor3D {
  return tf.tidy(() => {
    const [p, q] = axes.size;
    const l = halfSpectrumWidth(q);
    const [rows, cols] = [axes.rows.length, axes.cols.length];
    const isReal = spectrum.shape[1] === p;
    const alongRows = tf.matMul(spectrum, dftMatrix(isReal ? 'inverseRowsFromReal' : 'inverseRows', p, axes.rows));
    // Columns become the contracted axis: [C, L, (re|im), rows] → [C, rows, (re|im), L].
    const byRow = tf.reshape(tf.transpose(tf.reshape(alongRows, [channels, l, 2, rows]), [0, 3, 2, 1]), [
      channels * rows,
      2 * l,
    ]);
    const maps = tf.matMul(byRow, dftMatrix('inverseCols', q, axes.cols, scale / (p * q)));
    return tf.reshape(maps, [channels, rows, cols]);
  });
}

/** |X|² of a complex half spectrum [C·L, 2P] → [C·L, P]. */
export function powerSpectrum(spectrum: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, twiceP] = spectrum.shape;
    return tf.sum(tf.square(tf.reshape(spectrum, [rows, 2, twiceP / 2])), 1) as tf.Tensor2D;
  });
}

/** A complex half spectrum [C·L, 2P] times a real one [C·L, P], entry by entry. */
export function scaleSpectrum(spectrum: tf.Tensor2D, realFactor: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, p] = realFactor.shape;
    return tf.reshape(tf.mul(tf.reshape(spectrum, [rows, 2, p]), tf.reshape(realFactor, [rows, 1, p])), [
      rows,
      2 * p,
    ]) as tf.Tensor2D;
  });
}

/** Consecutive integers from..to inclusive. */
export function positions(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

// ---- The DFT matrices. Angles are reduced modulo the size in integers before scaling by 2π/N, so
// float32 entries stay accurate for any position.

type MatrixKind =
  'forwardCols' | 'forwardRows' | 'forwardRowsRealPart' | 'inverseRows' | 'inverseRowsFromReal' | 'inverseCols';
interface BuiltMatrix {
  readonly values: Float32Array;
  readonly shape: [number, number];
}

/** A DFT matrix as a tensor; the values of recently used ones are kept, since sizes repeat every iteration. */
function dftMatrix(kind: MatrixKind, size: number, at: readonly number[], scale = 1): tf.Tensor2D {
  // Positions are consecutive in every use here, so their first value and count identify them.
  const key = isRun(at) ? `${kind}|${size}|${at[0]}|${at.length}|${scale}` : null;
  let built = key === null ? undefined : matrixCache.get(key);
  if (!built) {
    built = buildMatrix(kind, size, at, scale);
    if (key !== null) remember(key, built);
  }
  return tf.tensor2d(built.values, built.shape);
}

const matrixCache = new Map<string, BuiltMatrix>();
const MATRIX_CACHE_ENTRIES = 48;

function remember(key: string, built: BuiltMatrix): void {
  if (matrixCache.size >= MATRIX_CACHE_ENTRIES) matrixCache.delete(matrixCache.keys().next().value!);
  matrixCache.set(key, built);
}

function isRun(at: readonly number[]): boolean {
  return at.every((value, i) => value === at[0] + i);
}

function buildMatrix(kind: MatrixKind, size: number, at: readonly number[], scale: number): BuiltMatrix {
  switch (kind) {
    case 'forwardCols':
      return forwardColsMatrix(size, at);
    case 'forwardRows':
      return forwardRowsMatrix(size, at, 'complex');
    case 'forwardRowsRealPart':
      return forwardRowsMatrix(size, at, 'real');
    case 'inverseRows':
      return inverseRowsMatrix(size, at, 'complex');
    case 'inverseRowsFromReal':
      return inverseRowsMatrix(size, at, 'real');
    case 'inverseCols':
      return inverseColsMatrix(size, at, scale);
  }
}

function angle(frequency: number, position: number, size: number): number {
  const turns = (((frequency * position) % size) + size) % size;
  return (2 * Math.PI * turns) / size;
}

/** [cols, 2L]: real f ↦ Σ_c f(c)·e^{−2πi·l·c/Q}, as [real | imaginary] parts. */
function forwardColsMatrix(q: number, cols: readonly number[]): BuiltMatrix {
  const l = halfSpectrumWidth(q);
  const values = new Float32Array(cols.length * 2 * l);
  cols.forEach((c, j) => {
    for (let f = 0; f < l; f++) {
      const theta = angle(f, c, q);
      values[j * 2 * l + f] = Math.cos(theta);
      values[j * 2 * l + l + f] = -Math.sin(theta);
    }
  });
  return { values, shape: [cols.length, 2 * l] };
}

/**
 * [2R, 2P] (or [2R, P] for the real part only): complex z = a + ib given as [a | b] ↦
 * X(k) = Σ_r z(r)·e^{−iθ}, θ = 2π·k·r/P, i.e. re X = Σ a·cos θ + b·sin θ, im X = Σ b·cos θ − a·sin θ.
 */
function forwardRowsMatrix(p: number, rows: readonly number[], part: 'complex' | 'real'): BuiltMatrix {
  const width = part === 'complex' ? 2 * p : p;
  const values = new Float32Array(2 * rows.length * width);
  rows.forEach((r, i) => {
    const [re, im] = [i * width, (rows.length + i) * width];
    for (let k = 0; k < p; k++) {
      const theta = angle(k, r, p);
      values[re + k] = Math.cos(theta);
      values[im + k] = Math.sin(theta);
      if (part === 'complex') {
        values[re + p + k] = -Math.sin(theta);
        values[im + p + k] = Math.cos(theta);
      }
    }
  });
  return { values, shape: [2 * rows.length, width] };
}

/**
 * [2P, 2R] (or [P, 2R] from a real X): X = a + ib given as [a | b] ↦ f(r) = Σ_k X(k)·e^{+iθ},
 * θ = 2π·k·r/P, i.e. re f = Σ a·cos θ − b·sin θ, im f = Σ a·sin θ + b·cos θ.
 */
function inverseRowsMatrix(p: number, rows: readonly number[], input: 'complex' | 'real'): BuiltMatrix {
  const width = 2 * rows.length;
  const values = new Float32Array((input === 'complex' ? 2 * p : p) * width);
  rows.forEach((r, j) => {
    for (let k = 0; k < p; k++) {
      const theta = angle(k, r, p);
      values[k * width + j] = Math.cos(theta);
      values[k * width + rows.length + j] = Math.sin(theta);
      if (input === 'complex') {
        values[(p + k) * width + j] = -Math.sin(theta);
        values[(p + k) * width + rows.length + j] = Math.cos(theta);
      }
    }
  });
  return { values, shape: [values.length / width, width] };
}

/**
 * [2L, cols]: the last inverse step, from half-spectrum columns to real values. Hermitian symmetry
 * pairs l with Q−l, so f(c) = Σ_l w_l·Re(Z(l)·e^{2πi·l·c/Q}) with w_0 = 1, w_{Q/2} = 1 (Q even) and
 * w_l = 2 otherwise; `scale` carries the 1/(P·Q) and the caller's factor.
 */
function inverseColsMatrix(q: number, cols: readonly number[], scale: number): BuiltMatrix {
  const l = halfSpectrumWidth(q);
  const values = new Float32Array(2 * l * cols.length);
  for (let f = 0; f < l; f++) {
    const weight = (f === 0 || 2 * f === q ? 1 : 2) * scale;
    cols.forEach((c, j) => {
      const theta = angle(f, c, q);
      values[f * cols.length + j] = weight * Math.cos(theta);
      values[(l + f) * cols.length + j] = -weight * Math.sin(theta);
    });
  }
  return { values, shape: [2 * l, cols.length] };
}
