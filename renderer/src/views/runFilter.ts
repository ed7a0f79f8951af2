import type { ImageRecord, RunRecord, RunStatus } from '../../../engine/common/runs/records.js';
import { runNetwork } from '../../../engine/common/runs/runLabels.js';

/** What the gallery and a project page narrow their runs by; empty means any. */
export interface RunFilter {
  status: RunStatus | '';
  network: string;
  styleId: number | null;
}

export const NO_FILTER: Readonly<RunFilter> = { status: '', network: '', styleId: null };

export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

export function isFiltering(filter: RunFilter): boolean {
  return filter.status !== '' || filter.network !== '' || filter.styleId !== null;
}

/** `statusOf` gives the live status, which runs ahead of the list's. */
export function matchesFilter(run: RunRecord, filter: RunFilter, statusOf: (run: RunRecord) => RunStatus): boolean {
  return (
    (filter.status === '' || statusOf(run) === filter.status) &&
    (filter.network === '' || runNetwork(run) === filter.network) &&
    (filter.styleId === null || run.styles.some((style) => style.image.id === filter.styleId))
  );
}

/** The networks and paintings the runs use: the filters' choices. */
export function filterChoices(runs: readonly RunRecord[]): { networks: string[]; styles: ImageRecord[] } {
  return {
    networks: [...new Set(runs.map(runNetwork))],
    styles: [
      ...new Map(runs.flatMap((run) => run.styles.map((style) => [style.image.id, style.image] as const))).values(),
    ],
  };
}
