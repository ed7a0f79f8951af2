import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FeedforwardRunRecord, ImageRecord, StylizeRunRecord } from '../../../../engine/common/runs/records.js';
import { runKeySettings } from '../../../../engine/common/runs/runKeySettings.js';
import { NEURAL_STYLE_DEFAULTS } from '../../../../engine/common/stylize/settings.js';

const image = (id: number, originalName: string): ImageRecord => ({
  id,
  originalName,
  width: 64,
  height: 48,
  format: 'png',
  sha256: 'ab'.repeat(32),
  path: `/store/${id}.png`,
  bytes: 100,
  createdAt: '2026-01-02T03:04:05.000Z',
});

const base = {
  project: 'harbour',
  status: 'done' as const,
  backend: 'wasm',
  weightsSha256: null,
  iterationsDone: 40,
  createdAt: '2026-01-02T03:04:05.000Z',
  startedAt: '2026-01-02T03:04:06.000Z',
  finishedAt: '2026-01-02T03:06:11.000Z',
  durationMs: 125_000,
  error: null,
};

const stylization: StylizeRunRecord = {
  ...base,
  id: 7,
  kind: 'stylize',
  contentImage: image(1, 'harbour.png'),
  initImage: null,
  styles: [
    { image: image(2, 'swirls.png'), blendWeight: 0.75 },
    { image: image(3, 'waves.png'), blendWeight: 0.25 },
  ],
  settings: {
    ...NEURAL_STYLE_DEFAULTS,
    styleWeight: 1000,
    contentWeight: 5,
    size: 160,
    init: 'content',
    iterations: 50,
  },
};

const table = (settings: ReturnType<typeof runKeySettings>) =>
  Object.fromEntries(settings.map((s) => [s.name, s.value]));

describe('a run’s key settings, as the gallery’s thumbnails show them', () => {
  it('names the network, size, start, style against content weight, each painting’s share and the time', () => {
    assert.deepEqual(table(runKeySettings(stylization)), {
      status: 'done',
      network: 'vgg19-random',
      size: '160px',
      start: 'content',
      'style / content': '1000 / 5',
      paintings: 'swirls.png × 0.75 + waves.png × 0.25',
      iterations: '40/50 its',
      time: '2 min 5 s',
    });
  });

  it('shows the live status over the stored one, and when a run that has not finished started', () => {
    const running = {
      ...stylization,
      status: 'queued' as const,
      durationMs: null,
      styles: stylization.styles.slice(0, 1),
    };
    const shown = table(runKeySettings(running, 'running'));
    assert.equal(shown.status, 'running');
    assert.equal(shown.paintings, 'swirls.png', 'one painting has the whole blend');
    assert.equal(shown.time, `started ${new Date(base.startedAt).toLocaleString()}`);
  });

  it('gives a feed-forward run no loss weights: its style is its network', () => {
    const fast: FeedforwardRunRecord = {
      ...base,
      id: 8,
      kind: 'feedforward',
      contentImage: image(1, 'harbour.png'),
      initImage: null,
      styles: [],
      settings: { style: 'udnie', size: null, width: 64, height: 48, tile: 512, overlap: 32 },
    };
    assert.deepEqual(table(runKeySettings(fast)), {
      status: 'done',
      network: 'udnie',
      size: '64×48px',
      start: 'fast style',
      iterations: 'one pass',
      time: '2 min 5 s',
    });
  });
});
