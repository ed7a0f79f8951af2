import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  forwardHalfSpectrum,
  halfSpectrumWidth,
  inverseHalfSpectrum,
  positions,
  type DftAxes,
} from '../../../../engine/common/losses/realDft.js';
import { useTestBackend } from '../../../helpers/tf.js';

await useTestBackend();

/** X(k, l) = Σ f(r, c)·e^{−2πi(k·r/P + l·c/Q)} by its definition, as [C·L, 2P] (real parts, then imaginary). */
function halfSpectrumByLoops(values: ArrayLike<number>, channels: number, axes: DftAxes): Float32Array {
  const [p, q] = axes.size;
  const l = halfSpectrumWidth(q);
  const out = new Float32Array(channels * l * 2 * p);
  for (let c = 0; c < channels; c++) {
    for (let fl = 0; fl < l; fl++) {
      for (let k = 0; k < p; k++) {
        let [re, im] = [0, 0];
        axes.rows.forEach((r, i) =>
          axes.cols.forEach((col, j) => {
            const value = values[(c * axes.rows.length + i) * axes.cols.length + j];
            const theta = 2 * Math.PI * ((k * r) / p + (fl * col) / q);
            re += value * Math.cos(theta);
            im -= value * Math.sin(theta);
          }),
        );
        out[(c * l + fl) * 2 * p + k] = re;
        out[(c * l + fl) * 2 * p + p + k] = im;
      }
    }
  }
  return out;
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

// Even and odd sizes in both directions (an even Q has a Nyquist column), maps smaller than the
// transform (zero padding) and negative positions (lags).
const CASES: Array<{ name: string; shape: [number, number, number]; axes: DftAxes }> = [
  {
    name: 'odd 5×7 map, 9×13 transform',
    shape: [2, 5, 7],
    axes: { size: [9, 13], rows: positions(0, 4), cols: positions(0, 6) },
  },
  {
    name: 'even 4×6 map, 8×6 transform',
    shape: [3, 4, 6],
    axes: { size: [8, 6], rows: positions(0, 3), cols: positions(0, 5) },
  },
  {
    name: 'lags −2..2 × −3..3, 5×7 transform',
    shape: [2, 5, 7],
    axes: { size: [5, 7], rows: positions(-2, 2), cols: positions(-3, 3) },
  },
];

describe('real 2-D DFTs as matrix products', () => {
  for (const { name, shape, axes } of CASES) {
    it(`${name}: the half spectrum equals the DFT’s definition, and the inverse gives the map back`, () => {
      tf.tidy(() => {
        const maps = tf.randomNormal(shape, 0, 1, 'float32', shape[1] * 7 + shape[2]) as tf.Tensor3D;
        const expected = halfSpectrumByLoops(maps.dataSync(), shape[0], axes);
        const spectrum = forwardHalfSpectrum(maps, axes);
        const scale = Math.max(...Array.from(expected, Math.abs));
        assert.ok(maxAbsDifference(spectrum.dataSync(), expected) <= 1e-5 * scale, 'forward');
        const realPart = forwardHalfSpectrum(maps, axes, 'real');
        const [rows, p] = realPart.shape;
        assert.ok(
          maxAbsDifference(
            realPart.dataSync(),
            tf.slice(tf.tensor2d(expected, [rows, 2 * p]), [0, 0], [rows, p]).dataSync(),
          ) <=
            1e-5 * scale,
          'real part',
        );
        // Only the positions sampled are non-zero, so reading the inverse back there returns the map (scaled).
        const back = inverseHalfSpectrum(spectrum, shape[0], axes, 3);
        assert.ok(
          maxAbsDifference(back.dataSync(), tf.mul(maps, 3).dataSync()) <=
            1e-5 * 3 * Math.max(...Array.from(maps.dataSync(), Math.abs)),
          'inverse',
        );
      });
    });
  }
});
