import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adam } from '../../../../engine/common/optim/adam.js';
import { useTestBackend } from '../../../helpers/tf.js';
import { autodiff, countedSquares, rosenbrock } from './problems.js';

await useTestBackend();

const options = { learningRate: 0.5, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

describe('adam', () => {
  it(
    'first steps one learning rate against the gradient’s sign (m̂/√v̂ = g/|g| at t = 1), reporting the loss where ' +
      'it landed',
    async () => {
      const weights = [1, 100, -7];
      const x0 = [3, -2, 0.01];
      const x = tf.variable(tf.tensor1d(x0));
      const optimizer = adam(
        x,
        autodiff((v) => tf.tidy(() => tf.sum(tf.mul(weights, tf.square(v))))),
        options,
      );
      const { loss, evaluations } = await optimizer.step();
      const expected = x0.map((xi, i) => xi - options.learningRate * Math.sign(weights[i] * xi));
      const moved = Array.from(x.dataSync());
      expected.forEach((e, i) => assert.ok(Math.abs(moved[i] - e) < 1e-5, `moved to ${moved}, expected ${expected}`));
      // 1·2.5² + 100·1.5² − 7·0.51² at (2.5, −1.5, 0.51); the start’s loss was 9 + 400 − 7e-4.
      assert.ok(Math.abs(loss - (6.25 + 225 - 7 * 0.51 ** 2)) < 1e-3, `loss ${loss}`);
      assert.equal(evaluations, 2, 'the start, then where it landed');
      assert.equal((await optimizer.step()).evaluations, 1, 'later steps reuse the gradient where the last one landed');
      optimizer.dispose();
      x.dispose();
    },
  );

  it('gives the loss at the start once, and the first step reuses that evaluation', async () => {
    const counted = countedSquares();
    const x = tf.variable(tf.tensor1d([3, -4]));
    const optimizer = adam(x, counted.objective, options);
    assert.ok(Math.abs((await optimizer.start()).loss - 25) < 1e-4);
    assert.ok(Math.abs((await optimizer.start()).loss - 25) < 1e-4);
    assert.equal(counted.calls, 1);
    assert.equal((await optimizer.step()).evaluations, 1, 'only where it landed');
    assert.equal(counted.calls, 2);
    optimizer.dispose();
    x.dispose();
  });

  it('brings the 2-D Rosenbrock function below 1e-3 in 2000 steps at learning rate 0.02', async () => {
    const x = tf.variable(tf.tensor1d([-1.2, 1]));
    const optimizer = adam(x, autodiff(rosenbrock), { ...options, learningRate: 0.02 });
    let loss = Infinity;
    for (let i = 0; i < 2000; i++) loss = (await optimizer.step()).loss;
    console.log(`# Adam on 2-D Rosenbrock: loss ${loss} after 2000 steps, at ${x.dataSync()}`);
    assert.ok(loss < 1e-3, `loss ${loss}`);
    optimizer.dispose();
    x.dispose();
  });

  it('holds the same tensors from step to step and frees its moments on dispose', async () => {
    const x = tf.variable(tf.tensor1d([-1.2, 1]));
    const baseline = tf.memory().numTensors;
    const optimizer = adam(x, autodiff(rosenbrock), options);
    const held: number[] = [];
    for (let i = 0; i < 5; i++) {
      await optimizer.step();
      held.push(tf.memory().numTensors - baseline);
    }
    assert.deepEqual(held, [3, 3, 3, 3, 3], 'the moments m and v and the gradient at x, nothing else');
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, baseline);
    x.dispose();
  });

  it('refuses a non-finite loss before it corrupts x', async () => {
    const x = tf.variable(tf.tensor1d([-1]));
    const optimizer = adam(
      x,
      autodiff((v) => tf.sum(tf.log(v))),
      options,
    );
    await assert.rejects(() => optimizer.step(), /loss is not finite/);
    assert.deepEqual(Array.from(x.dataSync()), [-1]);
    optimizer.dispose();
    x.dispose();
  });

  it('puts x back when a step lands where the loss is not finite', async () => {
    // log x is undefined below 0, where the first step from 0.3 (one learning rate, 0.5, down) lands.
    const x = tf.variable(tf.tensor1d([0.3]));
    const optimizer = adam(
      x,
      autodiff((v) => tf.sum(tf.log(v))),
      options,
    );
    await assert.rejects(() => optimizer.step(), /loss is not finite \(NaN\) after 1 steps/);
    assert.ok(Math.abs(x.dataSync()[0] - 0.3) < 1e-7, `x is ${x.dataSync()[0]}`);
    optimizer.dispose();
    x.dispose();
  });
});
