import { formatDuration } from '../duration.js';
import type { RunRecord, RunStatus } from './records.js';
import { runNetwork, runOrigin, runSize, runSteps } from './runLabels.js';

/** One line of a run's key settings: what the gallery's thumbnails show on hover or focus. */
export interface KeySetting {
  readonly name: string;
  readonly value: string;
}

/**
 * The settings an artist tells runs apart by (network, size, start, style against content, the
 * paintings' blend), then how the run went: its status (the live one while it runs) and its time.
 * The full record is the run's page; this is the glance.
 */
export function runKeySettings(run: RunRecord, status: RunStatus = run.status): KeySetting[] {
  return [
    { name: 'status', value: status },
    { name: 'network', value: runNetwork(run) },
    { name: 'size', value: runSize(run) },
    { name: 'start', value: runOrigin(run) },
    ...weightSettings(run),
    { name: 'iterations', value: runSteps(run) },
    { name: 'time', value: runTime(run) },
  ];
}

/**
 * Style against content: their ratio is what "style strength" means (Gatys et al. 2016, eq. 7: the
 * loss is α·content + β·style, and only β/α changes the picture); each painting's share of the blend.
 */
function weightSettings(run: RunRecord): KeySetting[] {
  if (run.kind === 'feedforward') return [];
  const s = run.settings;
  const strength =
    run.kind === 'generate'
      ? { name: 'style weight', value: String(s.styleWeight) }
      : { name: 'style / content', value: `${s.styleWeight} / ${run.settings.contentWeight}` };
  const paintings = run.styles.map((style) => {
    const name = style.image.originalName ?? `image ${style.image.id}`;
    return run.styles.length > 1 ? `${name} × ${style.blendWeight}` : name;
  });
  return paintings.length > 0 ? [strength, { name: 'paintings', value: paintings.join(' + ') }] : [strength];
}

/** How long it took; while it has not finished, when it started or was queued. */
function runTime(run: RunRecord): string {
  if (run.durationMs !== null) return formatDuration(run.durationMs);
  if (run.startedAt !== null) return `started ${new Date(run.startedAt).toLocaleString()}`;
  return `queued ${new Date(run.createdAt).toLocaleString()}`;
}
