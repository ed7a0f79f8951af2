import sharp from 'sharp';
import type { TracePoint } from './finishRun.js';

export interface PlotSeries {
  readonly label: string;
  readonly colour: string;
  readonly trace: readonly TracePoint[];
}

const WIDTH = 900;
const Y_LABEL = 'total loss at the final size';
const HEIGHT = 520;
const MARGIN = { left: 90, right: 30, top: 50, bottom: 60 };

/**
 * Total loss against wall seconds, the loss on a log scale (it falls by orders of magnitude), one
 * line per run and a dashed line at the finished loss; only points at the final size are drawn,
 * since a coarse stage's loss is of another picture. Drawn as SVG, rendered to PNG with sharp.
 */
export async function lossPlot(
  title: string,
  series: readonly PlotSeries[],
  finished: number,
  size: number,
): Promise<Buffer> {
  const shown = series.map((s) => ({
    ...s,
    trace: s.trace.filter((p) => p.size === size && Number.isFinite(p.total)),
  }));
  const points = shown.flatMap((s) => s.trace);
  const maxSeconds = Math.max(1, ...points.map((p) => p.ms / 1000));
  const low = Math.log10(Math.min(finished * 0.9, ...points.map((p) => p.total)));
  const high = Math.log10(Math.max(finished * 2, ...points.map((p) => p.total)));
  const x = (seconds: number) => MARGIN.left + (seconds / maxSeconds) * (WIDTH - MARGIN.left - MARGIN.right);
  const y = (loss: number) =>
    MARGIN.top + ((high - Math.log10(loss)) / (high - low)) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const lines = shown.map((s) => {
    const path = s.trace.map((p) => `${x(p.ms / 1000).toFixed(1)},${y(p.total).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${s.colour}" stroke-width="2" points="${path}"/>`;
  });
  const legend = shown.map(
    (s, i) =>
      `<rect x="${WIDTH - 330}" y="${MARGIN.top + 10 + i * 22}" width="14" height="4" fill="${s.colour}"/>` +
      `<text x="${WIDTH - 310}" y="${MARGIN.top + 16 + i * 22}">${escape(s.label)}</text>`,
  );
  const size13 = 'font-family="sans-serif" font-size="13"';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" ${size13}>
<rect width="100%" height="100%" fill="white"/>
<text x="${MARGIN.left}" y="28" font-size="16">${escape(title)}</text>
${axes(x, y, maxSeconds, low, high)}
${hLine(y(finished), 'stroke="#444" stroke-dasharray="6,4"')}
<text x="${MARGIN.left + 6}" y="${y(finished) - 6}" fill="#444">finished: ${finished.toExponential(3)}</text>
${lines.join('\n')}
${legend.join('\n')}
</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A horizontal line across the plot at height y. */
function hLine(y: number, style: string): string {
  return `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" ${style}/>`;
}

function axes(
  x: (s: number) => number,
  y: (l: number) => number,
  maxSeconds: number,
  low: number,
  high: number,
): string {
  const bottom = HEIGHT - MARGIN.bottom;
  const middle = (MARGIN.top + bottom) / 2;
  const step = niceStep(maxSeconds / 8);
  const ticks = [];
  for (let s = 0; s <= maxSeconds + 1e-9; s += step) {
    ticks.push(
      `<line x1="${x(s)}" x2="${x(s)}" y1="${bottom}" y2="${bottom + 5}" stroke="black"/>` +
        `<text x="${x(s)}" y="${bottom + 20}" text-anchor="middle">${Math.round(s)}</text>`,
    );
  }
  for (let e = Math.ceil(low * 4) / 4; e <= high; e += 0.25) {
    ticks.push(
      hLine(y(10 ** e), 'stroke="#ddd"') +
        `<text x="${MARGIN.left - 8}" y="${y(10 ** e) + 4}" text-anchor="end">${(10 ** e).toExponential(1)}</text>`,
    );
  }
  return `${ticks.join('\n')}
<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${bottom}" y2="${bottom}" stroke="black"/>
<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" stroke="black"/>
<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 15}" text-anchor="middle">wall seconds</text>
<text x="20" y="${middle}" transform="rotate(-90 20 ${middle})" text-anchor="middle">${Y_LABEL}</text>`;
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(rough, 1e-9)));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
