import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lbfgs, type LbfgsOptions } from '../../../../engine/common/optim/lbfgs.js';
import type { Objective } from '../../../../engine/common/optim/objective.js';
import { useTestBackend } from '../../../helpers/tf.js';
import { autodiff, countedSquares, rosenbrock } from './problems.js';

await useTestBackend();

/** Runs L-BFGS from `start` until it reports convergence or `maxIterations` steps. */
async function minimise(objective: Objective, start: number[], options: LbfgsOptions, maxIterations: number) {
  const x = tf.variable(tf.tensor1d(start));
  const optimizer = lbfgs(x, objective, options);
  const losses: number[] = [];
  const evaluations: number[] = [];
  for (let i = 0; i < maxIterations; i++) {
    const report = await optimizer.step();
    losses.push(report.loss);
    evaluations.push(report.evaluations);
    if (report.converged) break;
  }
  const solution = Array.from(x.dataSync());
  optimizer.dispose();
  x.dispose();
  return { solution, losses, evaluations, iterations: losses.length };
}

/** ½xᵀAx − bᵀx with A = diag(1 … 1000) spaced geometrically (condition number 1000), n = 50. */
function illConditionedQuadratic() {
  const n = 50;
  const diagonal = Array.from({ length: n }, (_, i) => 10 ** ((3 * i) / (n - 1)));
  const b = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
  const objective = autodiff((x) =>
    tf.tidy(() => tf.sub(tf.mul(0.5, tf.sum(tf.mul(diagonal, tf.square(x)))), tf.sum(tf.mul(b, x)))),
  );
  const exact = b.map((bi, i) => bi / diagonal[i]);
  const relativeError = (x: number[]) => Math.hypot(...x.map((xi, i) => xi - exact[i])) / Math.hypot(...exact);
  return { objective, start: new Array<number>(n).fill(0), relativeError };
}

/** Records every point the optimiser evaluates the objective at. */
function recording(objective: Objective, points: number[][]): Objective {
  return async (x) => {
    points.push(Array.from(x.dataSync()));
    return objective(x);
  };
}

describe('lbfgs', () => {
  it('gives the loss at the start once, and the first step does not evaluate it again', async () => {
    const counted = countedSquares();
    const x = tf.variable(tf.tensor1d([3, -4]));
    const optimizer = lbfgs(x, counted.objective, { historySize: 5 });
    assert.ok(Math.abs((await optimizer.start()).loss - 25) < 1e-4);
    await optimizer.start();
    assert.equal(counted.calls, 1);
    const { evaluations, loss } = await optimizer.step();
    assert.equal(counted.calls, 1 + evaluations, 'the step counts only its own evaluations, none at the start');
    assert.ok(loss < 25);
    optimizer.dispose();
    x.dispose();
  });

  it('reaches the minimum (1, 1) of the 2-D Rosenbrock function from (−1.2, 1) within 100 iterations', async () => {
    const { solution, iterations } = await minimise(autodiff(rosenbrock), [-1.2, 1], { historySize: 100 }, 100);
    console.log(`# 2-D Rosenbrock: ${iterations} iterations, reached ${solution}`);
    assert.ok(
      solution.every((v) => Math.abs(v - 1) < 1e-4),
      `reached ${solution} in ${iterations} iterations`,
    );
  });

  it('brings the 10-D Rosenbrock function to its minimum 0 within 200 iterations', async () => {
    const start = [-1.2, 1, -0.5, 0.3, 1.5, -1, 0.8, 0.2, -0.7, 1.1];
    const { losses, solution, iterations } = await minimise(autodiff(rosenbrock), start, { historySize: 100 }, 200);
    console.log(`# 10-D Rosenbrock: ${iterations} iterations, loss ${losses.at(-1)}`);
    assert.ok(losses.at(-1)! < 1e-8, `loss ${losses.at(-1)} after ${iterations} iterations`);
    assert.ok(
      solution.every((v) => Math.abs(v - 1) < 1e-3),
      `reached ${solution}`,
    );
  });

  // Gradient descent with its best fixed step shrinks the error by (κ − 1)/(κ + 1) = 0.998 a step:
  // after 90 steps it keeps 84% of it. L-BFGS with 20 pairs gets within float32's reach of the
  // solution (the loss's rounding hides the last digits of x).
  it(
    'solves an ill-conditioned quadratic (κ = 1000) to ' + '5e-3 within 90 iterations, never raising the loss',
    async () => {
      const { objective, start, relativeError } = illConditionedQuadratic();
      const { solution, losses, iterations } = await minimise(objective, start, { historySize: 20 }, 90);
      console.log(`# quadratic: ${iterations} iterations, relative error ${relativeError(solution)}`);
      assert.ok(
        relativeError(solution) < 5e-3,
        `relative error ${relativeError(solution)} after ${iterations} iterations`,
      );
      assert.ok(
        losses.every((loss, i) => i === 0 || loss <= losses[i - 1]),
        `losses ${losses.join(', ')}`,
      );
    },
  );

  it('makes one evaluation per iteration once the history has the curvature’s scale', async () => {
    const { objective, start } = illConditionedQuadratic();
    const { evaluations } = await minimise(objective, start, { historySize: 20 }, 60);
    const afterWarmUp = evaluations.slice(3);
    console.log(`# quadratic, evaluations per iteration: ${evaluations.join(',')}`);
    assert.equal(evaluations.length, 60, 'it ran every iteration rather than stopping early');
    assert.ok(
      afterWarmUp.filter((e) => e === 1).length >= 0.8 * afterWarmUp.length,
      `evaluations per iteration: ${evaluations.join(',')}`,
    );
  });

  it('first tries the step along −∇f that moves the steepest coordinate by 1', async () => {
    const points: number[][] = [];
    const weights = [1, 10, 100];
    const objective = recording(
      autodiff((x) => tf.tidy(() => tf.sum(tf.mul(weights, tf.square(x))))),
      points,
    );
    const x0 = [1, -1, 0.5];
    const gradient = x0.map((xi, i) => 2 * weights[i] * xi);
    const step = 1 / Math.max(...gradient.map(Math.abs));
    const x = tf.variable(tf.tensor1d(x0));
    const optimizer = lbfgs(x, objective, { historySize: 5 });
    await optimizer.step();
    x0.forEach((xi, i) =>
      assert.ok(Math.abs(points[1][i] - (xi - step * gradient[i])) < 1e-6, `first trial ${points[1]}`),
    );
    optimizer.dispose();
    x.dispose();
  });

  it('keeps at most historySize pairs: memory is constant once 3 are kept, and dispose frees everything', async () => {
    const x = tf.variable(tf.tensor1d([-1.2, 1, 0.5, -0.5]));
    const baseline = tf.memory().numTensors;
    const optimizer = lbfgs(x, autodiff(rosenbrock), { historySize: 3 });
    const held: number[] = [];
    for (let i = 0; i < 12; i++) {
      await optimizer.step();
      held.push(tf.memory().numTensors - baseline);
    }
    // The gradient at x, and two tensors (s, y) per pair: the strong Wolfe steps make every yᵀs > 0.
    assert.deepEqual(held, [3, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
    optimizer.dispose();
    assert.equal(tf.memory().numTensors, baseline);
    x.dispose();
  });

  it(
    'hands back the detail of the point it kept, also ' + 'when the line search evaluated another one after it',
    async () => {
      const f = autodiff(rosenbrock);
      let lastEvaluated: number[] = [];
      const withPoint: Objective<number[]> = async (v) => ({
        ...(await f(v)),
        detail: (lastEvaluated = Array.from(v.dataSync())),
      });
      const x = tf.variable(tf.tensor1d([-1.2, 1, -0.5, 0.3]));
      // A short budget makes line searches end on the best trial so far rather than the last one.
      const optimizer = lbfgs(x, withPoint, { historySize: 5, maxLineSearchEvaluations: 2 });
      let keptAnEarlierTrial = 0;
      for (let i = 0; i < 40; i++) {
        const report = await optimizer.step();
        const kept = Array.from(x.dataSync());
        if (kept.some((v, j) => v !== lastEvaluated[j])) keptAnEarlierTrial++;
        assert.deepEqual(report.detail, kept, `step ${i + 1}`);
        if (report.converged) break;
      }
      assert.ok(keptAnEarlierTrial > 0, 'no step kept an earlier trial: the test proves nothing');
      optimizer.dispose();
      x.dispose();
    },
  );

  it('reports convergence at a stationary point without moving', async () => {
    const { solution, iterations, evaluations } = await minimise(
      autodiff((x) => tf.tidy(() => tf.sum(tf.square(tf.sub(x, 3))))),
      [3, 3],
      { historySize: 5 },
      10,
    );
    assert.deepEqual({ solution, iterations, evaluations }, { solution: [3, 3], iterations: 1, evaluations: [1] });
  });

  it('refuses a non-finite loss at the start, freeing its gradient', async () => {
    const x = tf.variable(tf.tensor1d([Number.NaN]));
    const baseline = tf.memory().numTensors;
    const optimizer = lbfgs(
      x,
      autodiff((v) => tf.sum(tf.square(v))),
      { historySize: 5 },
    );
    await assert.rejects(() => optimizer.step(), /loss is not finite at the starting point/);
    assert.equal(tf.memory().numTensors, baseline);
    x.dispose();
  });

  it('shortens a step whose trial point has a non-finite loss', async () => {
    // 4x − log x is undefined for x ≤ 0, where the first trial step from x = 0.5 lands (at −0.5).
    const { solution, losses } = await minimise(
      autodiff((v) => tf.tidy(() => tf.sum(tf.sub(tf.mul(4, v), tf.log(v))))),
      [0.5],
      { historySize: 5 },
      30,
    );
    assert.ok(Math.abs(solution[0] - 0.25) < 1e-4, `the minimum of 4x − log x is at 1/4; reached ${solution[0]}`);
    assert.ok(losses.every(Number.isFinite), `losses ${losses.join(', ')}`);
  });
});
