import sharp from 'sharp';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
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
await main(['node', 'pastiche', 'stylize', '--content', content, '--style', style, '--out', join(folder, 'result.png'),
  '--size', '128', '--iterations', '80', '--init', 'content', '--preview-every', '20', '--project', 'demo', ...process.argv.slice(2)]);

function landscapeSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5b8fd6"/><stop offset="1" stop-color="#f3d9a4"/></linearGradient></defs>
    <rect width="320" height="240" fill="url(#sky)"/>
    <circle cx="240" cy="70" r="28" fill="#fff3b0"/>
    <path d="M0 170 L70 95 L130 160 L190 80 L260 150 L320 110 L320 240 L0 240 Z" fill="#4f6d5a"/>
    <path d="M0 200 Q80 180 160 200 T320 195 L320 240 L0 240 Z" fill="#2f5d8a"/>
    <rect x="40" y="150" width="40" height="40" fill="#c0503c"/><path d="M35 150 L60 128 L85 150 Z" fill="#7a2e22"/>
  </svg>`;
}

/** Seeded strokes in a few saturated colours: a stand-in for a painting's texture. */
function swirlsSvg(): string {
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const colours = ['#1b3b8a', '#f2c14e', '#e4572e', '#17bebb', '#2e282a'];
  const strokes = Array.from({ length: 90 }, () => {
    const [x, y, r] = [random() * 256, random() * 256, 8 + random() * 40];
    return `<path d="M${x} ${y} q${r} ${-r} ${2 * r} 0 t${2 * r} 0" stroke="${colours[Math.floor(random() * colours.length)]}" stroke-width="${3 + random() * 7}" fill="none" stroke-linecap="round"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" fill="#264653"/>${strokes.join('')}</svg>`;
}
