/**
 * Pictures drawn from code, so the product has a photo and a painting of its own with no file to ship:
 * `npm run demo` paints one in the style of the other, and style thumbnails show the photo through
 * each style network.
 */

/** A landscape of flat shapes (sky, sun, hills, water, a house), 320×240: a photo that ships with the product. */
export function landscapeSvg(): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
      <stop offset="0" stop-color="#5b8fd6"/><stop offset="1" stop-color="#f3d9a4"/>
    </linearGradient></defs>
    <rect width="320" height="240" fill="url(#sky)"/>
    <circle cx="240" cy="70" r="28" fill="#fff3b0"/>
    <path d="M0 170 L70 95 L130 160 L190 80 L260 150 L320 110 L320 240 L0 240 Z" fill="#4f6d5a"/>
    <path d="M0 200 Q80 180 160 200 T320 195 L320 240 L0 240 Z" fill="#2f5d8a"/>
    <rect x="40" y="150" width="40" height="40" fill="#c0503c"/><path d="M35 150 L60 128 L85 150 Z" fill="#7a2e22"/>
  </svg>`;
}

/** Seeded strokes in a few saturated colours: a stand-in for a painting's texture. */
export function swirlsSvg(): string {
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const colours = ['#1b3b8a', '#f2c14e', '#e4572e', '#17bebb', '#2e282a'];
  const strokes = Array.from({ length: 90 }, () => {
    const [x, y, r] = [random() * 256, random() * 256, 8 + random() * 40];
    return (
      `<path d="M${x} ${y} q${r} ${-r} ${2 * r} 0 t${2 * r} 0" ` +
      `stroke="${colours[Math.floor(random() * colours.length)]}" stroke-width="${3 + random() * 7}" fill="none" ` +
      `stroke-linecap="round"/>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256"><rect width="256" height="256" ` +
    `fill="#264653"/>${strokes.join('')}</svg>`
  );
}
