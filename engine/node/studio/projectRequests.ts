import {
  RECENT_RUNS,
  type ProjectDetail,
  type ProjectOverview,
  type RunThumbnail,
} from '../../common/api/studioApi.js';
import { PasticheError } from '../../common/errors.js';
import type { ProjectRecord, RunRecord } from '../../common/runs/records.js';
import type { RunStore } from '../store/runStore.js';

/** Every project as the gallery's cards show it, newest first. */
export function projectOverviews(store: RunStore): ProjectOverview[] {
  return store.projects().map((project) => overview(store, project));
}

/** One project: its runs (newest first) each with the newest image it has made, and its grids. */
export function projectDetail(store: RunStore, name: string): ProjectDetail {
  const project = store.projects().find((candidate) => candidate.name === name);
  if (!project) throw new PasticheError('no such project', `project "${name}"`);
  const runs = store.listRuns({ project: name }).map((run) => thumbnail(store, run));
  return { project: overview(store, project), runs, grids: store.grids(name) };
}

function overview(store: RunStore, project: ProjectRecord): ProjectOverview {
  const runs = store.listRuns({ project: project.name });
  // Newest run first: the first one with an image gives the card's picture.
  let latest = null;
  for (const run of runs) if ((latest = store.latestImage(run.id))) break;
  return {
    name: project.name,
    createdAt: project.createdAt,
    runCount: project.runCount,
    latestImageId: latest?.image.id ?? null,
    contentImageId: runs.find((run) => run.contentImage)?.contentImage?.id ?? null,
    recent: runs.slice(0, RECENT_RUNS).map((run) => thumbnail(store, run)),
  };
}

/** A run with the newest image it has made, which stands for it in the gallery and the project's page. */
function thumbnail(store: RunStore, run: RunRecord): RunThumbnail {
  return { run, latestImageId: store.latestImage(run.id)?.image.id ?? null };
}
