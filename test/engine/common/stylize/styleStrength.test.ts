import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ARCHITECTURES } from '../../../../engine/common/networks/architectures.js';
import { weightsForNetwork } from '../../../../engine/common/stylize/presets.js';
import { NEURAL_STYLE_DEFAULTS } from '../../../../engine/common/stylize/settings.js';
import {
  DEFAULT_STRENGTH,
  MAX_STRENGTH,
  MIN_STRENGTH,
  strengthOf,
  weightText,
  weightsAtStrength,
} from '../../../../engine/common/stylize/styleStrength.js';

const vgg = { contentWeight: NEURAL_STYLE_DEFAULTS.contentWeight, styleWeight: NEURAL_STYLE_DEFAULTS.styleWeight };
const darknet = weightsForNetwork(ARCHITECTURES['darknet-tiny']);

describe('style strength', () => {
  it("puts every network's own default weights at the middle of the control", () => {
    for (const [name, architecture] of Object.entries(ARCHITECTURES)) {
      const defaults = weightsForNetwork(architecture);
      assert.equal(strengthOf(defaults, defaults), DEFAULT_STRENGTH, name);
      assert.deepEqual(weightsAtStrength(DEFAULT_STRENGTH, defaults, defaults), defaults, name);
    }
    assert.equal(strengthOf({ contentWeight: 5, styleWeight: 100 }, vgg), 50, "neural-style's α = 5, β = 100");
  });

  it('moves a quarter of the control per decade of β/α, whatever the scale of the weights', () => {
    assert.ok(Math.abs(strengthOf({ contentWeight: 5, styleWeight: 1000 }, vgg) - 75) < 1e-9);
    assert.ok(Math.abs(strengthOf({ contentWeight: 5, styleWeight: 10 }, vgg) - 25) < 1e-9);
    assert.ok(Math.abs(strengthOf({ contentWeight: 50, styleWeight: 1000 }, vgg) - 50) < 1e-9, 'the ratio, not β');
    const tenfold = { contentWeight: darknet.contentWeight, styleWeight: darknet.styleWeight * 10 };
    assert.ok(Math.abs(strengthOf(tenfold, darknet) - 75) < 1e-9, 'Darknet, a million times the scale');
  });

  it('round-trips weights → strength → weights (three significant digits, as the control sets them)', () => {
    for (const contentWeight of [0.02, 1, 5, 37.5, 1e3, 1e6]) {
      for (const factor of [0.0123, 0.1, 0.5, 1, 2.5, 9.99, 42.7, 99.9]) {
        const weights = { contentWeight, styleWeight: Number((contentWeight * 20 * factor).toPrecision(3)) };
        assert.deepEqual(weightsAtStrength(strengthOf(weights, vgg), weights, vgg), weights, JSON.stringify(weights));
      }
    }
  });

  it('round-trips strength → weights → strength to within what three digits of a weight can say', () => {
    for (let strength = MIN_STRENGTH; strength <= MAX_STRENGTH; strength += 0.7) {
      const back = strengthOf(weightsAtStrength(strength, vgg, vgg), vgg);
      // 3 significant digits: a relative error ≤ 0.5 %, log10(1.005) decades × 25 ≈ 0.054.
      assert.ok(Math.abs(back - strength) < 0.06, `${strength} came back as ${back}`);
    }
  });

  it('is monotonic both ways: a stronger control never gives less style, more style never reads weaker', () => {
    let previous = -Infinity;
    for (let strength = MIN_STRENGTH; strength <= MAX_STRENGTH; strength += 0.25) {
      const { styleWeight, contentWeight } = weightsAtStrength(strength, vgg, vgg);
      assert.equal(contentWeight, vgg.contentWeight, 'the content weight stays');
      assert.ok(styleWeight >= previous, `${strength}: ${styleWeight} < ${previous}`);
      previous = styleWeight;
    }
    let before = -Infinity;
    for (let exponent = -6; exponent <= 6; exponent += 0.1) {
      const strength = strengthOf({ contentWeight: 5, styleWeight: 10 ** exponent }, vgg);
      assert.ok(strength >= before);
      before = strength;
    }
  });

  it('clamps to its ends: ×0.01 and ×100 of the default ratio, and beyond', () => {
    assert.deepEqual(weightsAtStrength(MAX_STRENGTH, vgg, vgg), { contentWeight: 5, styleWeight: 10000 });
    assert.deepEqual(weightsAtStrength(MIN_STRENGTH, vgg, vgg), { contentWeight: 5, styleWeight: 1 });
    assert.deepEqual(weightsAtStrength(500, vgg, vgg), weightsAtStrength(MAX_STRENGTH, vgg, vgg));
    assert.deepEqual(weightsAtStrength(-3, vgg, vgg), weightsAtStrength(MIN_STRENGTH, vgg, vgg));
    assert.equal(strengthOf({ contentWeight: 5, styleWeight: 1e9 }, vgg), MAX_STRENGTH);
    assert.equal(strengthOf({ contentWeight: 5, styleWeight: 1e-9 }, vgg), MIN_STRENGTH);
    assert.equal(strengthOf({ contentWeight: 5, styleWeight: 0 }, vgg), MIN_STRENGTH, 'no style: weakest');
    assert.equal(strengthOf({ contentWeight: 0, styleWeight: 100 }, vgg), MAX_STRENGTH, 'no content: strongest');
    assert.deepEqual(weightsAtStrength(50, { contentWeight: 0, styleWeight: 3 }, vgg), vgg, "no α: the network's");
  });

  it('refuses weights and strengths that are not numbers, in one line naming them', () => {
    assert.throws(() => weightsAtStrength(NaN, vgg, vgg), /^PasticheError: style strength: must be a number, got NaN$/);
    assert.throws(() => strengthOf({ contentWeight: -1, styleWeight: 1 }, vgg), /weights: the content weight must be/);
    assert.throws(() => strengthOf(vgg, { contentWeight: 0, styleWeight: 1 }), /network defaults: the content weight/);
    assert.throws(() => strengthOf({ contentWeight: 1, styleWeight: Infinity }, vgg), /the style weight must be/);
  });

  it('shows a weight as it is, or as the papers write it, and either reads back exactly', () => {
    assert.equal(weightText(100), '100');
    assert.equal(weightText(0.02), '0.02');
    assert.equal(weightText(7e8), '7e8');
    assert.equal(weightText(2.7e5), '2.7e5');
    assert.equal(weightText(1e-4), '1e-4');
    for (const weight of [0, 1e-6, 0.00123, 5, 1580, 99999, 1e5, 1.23e7, 7e8]) {
      assert.equal(Number(weightText(weight)), weight);
    }
    assert.equal(weightText(NaN), '—');
    assert.equal(weightText(null as unknown as number), '—', 'an emptied number field binds null');
  });
});
