import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VGG19 } from '../../../../engine/common/networks/vgg.js';
import { defaultSchedule } from '../../../../engine/common/stylize/schedule.js';
import { estimateText, planSchedule } from '../../../../engine/common/stylize/schedulePlan.js';
import { resolveSettings } from '../../../../engine/common/stylize/settings.js';

const onnxruntime = { name: 'onnxruntime', optimisationMemoryBytes: 0.75 * 24e9, styleMemoryBytes: 4e9 };

describe('a scheduled stylization as the studio shows it before queueing', () => {
  it('adds the tiles the engine would, and states stages, tiles, time and memory in one line', () => {
    const settings = { ...resolveSettings({ size: 4000, iterations: 400 }), schedule: defaultSchedule(4000, 400) };
    const plan = planSchedule(settings, { width: 4000, height: 3000 }, VGG19, onnxruntime);
    assert.equal(plan.problem, null);
    const tiled = plan.estimate!.stages.flatMap((stage, i) => (stage.tiles > 1 ? [i + 1] : []));
    assert.ok(
      tiled.includes(4),
      "L-BFGS's history of a 4000×3000 picture does not fit wasm's heap: the last stage is tiled",
    );
    assert.match(
      estimateText(plan.estimate!, 'onnxruntime'),
      new RegExp(
        `^4 stages \\(500 → 1000 → 2000 → 4000 px\\)${tiled.map((i) => `, stage ${i} in \\d+ tiles`).join('')}: ` +
          `about (\\d+ h )?\\d+ min on onnxruntime, at most [\\d.]+ GB$`,
      ),
    );
    const one = planSchedule(
      { ...resolveSettings({ size: 64, iterations: 5 }), schedule: defaultSchedule(64, 5) },
      { width: 96, height: 64 },
      VGG19,
      onnxruntime,
    );
    assert.match(
      estimateText(one.estimate!, 'wasm'),
      /^one stage \(64 px\): (under a second|about \d+ s) on wasm, at most [\d.]+ GB$/,
    );
  });
});
