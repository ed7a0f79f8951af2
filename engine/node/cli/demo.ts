import sharp from 'sharp';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { landscapeSvg, swirlsSvg } from '../image/demoPictures.js';
import { dataHome } from '../paths.js';
import { main } from './main.js';

/**
 * `npm start` until the studio exists: paints a generated landscape in the style of a generated
 * abstract painting with the best network installed — the embedded one on a fresh offline machine,
 * where `stylize` also says, once, how to get a pretrained one.
 */
const folder = join(dataHome(), 'demo');
mkdirSync(folder, { recursive: true });
const content = join(folder, 'landscape.png');
const style = join(folder, 'swirls.png');
await sharp(Buffer.from(landscapeSvg())).png().toFile(content);
await sharp(Buffer.from(swirlsSvg())).png().toFile(style);
console.error(`Demo: painting ${content} in the style of ${style} (128 px, 80 iterations, starting from the photo).`);
console.error('Use your own pictures with: npx pastiche stylize --content PHOTO --style PAINTING --out result.png\n');
await main([
  'node',
  'pastiche',
  'stylize',
  '--content',
  content,
  '--style',
  style,
  '--out',
  join(folder, 'result.png'),
  '--size',
  '128',
  '--iterations',
  '80',
  '--init',
  'content',
  '--preview-every',
  '20',
  '--project',
  'demo',
  ...process.argv.slice(2),
]);
