import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import {
  costModelFor,
  estimateSchedule,
  scheduleFittingMemory,
} from '../../../../engine/common/stylize/optimisationCost.js';
import { defaultRepaintChoice, planRepaint } from '../../../../engine/common/stylize/printRepaint.js';
import { scheduleText } from '../../../../engine/common/stylize/schedule.js';
import { resolveSettings } from '../../../../engine/common/stylize/settings.js';

const run = resolveSettings({ size: 512, iterations: 1000, seed: 7, styleWeight: 250, init: 'content' }, 2);
const photo = { width: 4000, height: 3000 };
const wasm = { name: 'wasm', optimisationMemoryBytes: 0.9 * 4 * 2 ** 30, styleMemoryBytes: 2.1e9 };

describe("a run repainted at a print's size (the export dialog)", () => {
  it(
    "keeps the run's settings, at the print's long side, coarse to fine, tiled where the backend's memory needs " +
      'it',
    () => {
      const plan = planRepaint(run, photo, 4000, defaultRepaintChoice(run, 4000), VGG19, wasm);
      assert.equal(plan.problem, null);
      const { size, iterations, schedule, ...kept } = plan.settings!;
      const { size: _size, iterations: _iterations, schedule: _schedule, ...original } = run;
      assert.deepEqual(kept, original, "photo, paintings' blend, init, weights, layers, seed: the run's");
      assert.deepEqual([size, iterations], [4000, 1000]);
      assert.deepEqual(
        schedule!.stages.map((s) => [s.size, s.iterations]),
        [
          [500, 535],
          [1000, 266],
          [2000, 133],
          [4000, 66],
        ],
      );
      assert.ok(
        schedule!.stages[0].tile === null && schedule!.stages.slice(1).every((s) => s.tile !== null),
        scheduleText(schedule!),
      );
      // What is queued is what the engine records: fitting it to memory again changes nothing.
      assert.deepEqual(
        scheduleFittingMemory(
          schedule!,
          photo,
          VGG19,
          plan.settings!,
          wasm.optimisationMemoryBytes,
          64,
          costModelFor('wasm').memory,
        ),
        schedule,
      );
      assert.deepEqual(resolveSettings(plan.settings!, 2).schedule, schedule);
      assert.deepEqual(plan.estimate, estimateSchedule(schedule!, photo, VGG19, run, costModelFor('wasm')));
    },
  );

  it("takes the artist's iterations, stages and forced tiles, and estimates on the backend's own model", () => {
    const small = { width: 96, height: 64 };
    const plan = planRepaint(run, small, 128, { iterations: 3, stages: 2, tile: 96, overlap: 16 }, VGG19, wasm);
    assert.equal(plan.problem, null);
    assert.equal(scheduleText(plan.schedule), '64:2,128:1@96/16');
    assert.deepEqual(
      plan.estimate!.stages.map((s) => [s.size, s.tiles]),
      [
        [{ width: 64, height: 43 }, 1],
        [{ width: 128, height: 85 }, 2],
      ],
    );
    const onnx = planRepaint(run, small, 128, { iterations: 3, stages: 2, tile: 96, overlap: 16 }, VGG19, {
      ...wasm,
      name: 'onnxruntime',
    });
    // The same work priced by each backend's measured speed.
    const ratio = costModelFor('onnxruntime').msPerGigaMultiplyAdd / costModelFor('wasm').msPerGigaMultiplyAdd;
    assert.ok(
      Math.abs(onnx.estimate!.ms / plan.estimate!.ms - ratio) < 1e-9,
      `onnxruntime's estimate is ${onnx.estimate!.ms / plan.estimate!.ms} of wasm's, its model says ${ratio}`,
    );
  });

  it('says why the engine would refuse it, and offers nothing to queue when the choice itself is wrong', () => {
    const refused = (choice: Partial<ReturnType<typeof defaultRepaintChoice>>, backend = wasm, settings = run) =>
      planRepaint(settings, photo, 1024, { ...defaultRepaintChoice(settings, 1024), ...choice }, VGG19, backend);
    assert.match(refused({ stages: 0 }).problem!, /^stages: must be a whole number from 1 to 4, got 0$/);
    assert.equal(refused({ stages: 5 }).settings, null);
    assert.match(
      refused({ tile: 100, overlap: 64 }).problem!,
      /stage 1: tiles of 100 px cannot hold two overlaps of 64 px/,
    );
    assert.equal(refused({ tile: 100, overlap: 64 }).estimate, null);
    assert.match(refused({ iterations: -1 }).problem!, /iterations/);
    const tiny = refused({}, { ...wasm, optimisationMemoryBytes: 1e8 });
    assert.match(tiny.problem!, /not even a 64 px tile fits/);
    assert.ok(tiny.estimate, 'the estimate still shows the memory each stage needs');
    const local = resolveSettings({ ...run, styleBlend: undefined, styleRepr: 'local', styleScale: 1 }, 2);
    assert.match(
      refused({ tile: 256 }, wasm, local).problem!,
      /local style compares positions across the whole picture, so it cannot be optimised in tiles/,
    );
    assert.match(
      planRepaint(run, photo, 9000, defaultRepaintChoice(run, 9000), VGG19, wasm).problem!,
      /size: must be at most 8192 px/,
    );
  });
});
