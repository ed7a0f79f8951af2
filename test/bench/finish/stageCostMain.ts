import { join } from 'node:path';
import { selectBackend } from '../../../engine/node/backend.js';
import { SHARED } from '../../helpers/shared.js';
import { finishSettings } from './finishRun.js';
import { finishStore } from './finishStore.js';
import { msPerIteration } from './stageCost.js';

// `node dist/test/bench/finish/stageCostMain.js NETWORK SIZE,SIZE,…`: ms per L-BFGS iteration at each
// size, back to back (stageCost.ts), on Tübingen × The Starry Night with the bench's settings.
const [network = 'vgg19-random', sizes = '128,256,362,512'] = process.argv.slice(2);
const backend = await selectBackend();
const { store, close } = await finishStore([network]);
try {
  const files = {
    content: join(SHARED, 'images/content/tubingen.jpg'),
    style: join(SHARED, 'images/style/starry_night.jpg'),
  };
  const settings = await finishSettings(
    {
      label: 'cost',
      network,
      contentFile: files.content,
      styleFile: files.style,
      size: 512,
      schedule: null,
      iterations: 6,
      init: 'content',
      historySize: 100,
    },
    store.paths.models,
  );
  const ms = await msPerIteration(settings, sizes.split(',').map(Number), files, store.paths.models);
  console.log(JSON.stringify({ network, backend: backend.name, msPerIteration: ms }));
} finally {
  close();
}
