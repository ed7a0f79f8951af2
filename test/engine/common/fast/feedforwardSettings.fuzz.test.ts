import { describe, it } from 'node:test';
import {
  resolveFeedforwardSettings,
  type FeedforwardRequest,
} from '../../../../engine/common/fast/feedforwardSettings.js';
import { fuzzSettings } from '../../../helpers/settingsFuzz.js';

const seeds: Array<{ request: FeedforwardRequest; photo: { width: number; height: number } }> = [
  { request: { style: 'udnie' }, photo: { width: 640, height: 480 } },
  { request: { style: 'udnie', size: null }, photo: { width: 3000, height: 2000 } },
  { request: { style: '/styles/wave', size: 2048, tile: 512, overlap: 32 }, photo: { width: 4000, height: 3000 } },
  { request: { style: 'scream', size: 300, tile: 0 }, photo: { width: 120, height: 90 } },
];

describe('feed-forward requests under fuzzing', () => {
  it('resolve to finite settings or refuse in one line naming the setting', async () => {
    // The photo's size comes from its decoded header, which the image fuzz suite covers: kept valid here.
    await fuzzSettings('feed-forward requests', seeds, (given: { request: FeedforwardRequest }) =>
      resolveFeedforwardSettings(given?.request, { width: 3000, height: 2000 }, 25_000_000),
    );
  });
});
