import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StylizeSettings } from '../../../../engine/common/stylize/settings.js';
import { openRunStore, type ImageRecord, type NewRun, type RunStore } from '../../../../engine/node/store/runStore.js';

export const TABLES = ['projects', 'images', 'run_kinds', 'runs', 'run_layers', 'run_styles', 'run_metrics', 'run_outputs', 'grids', 'grid_cells'] as const;

export function tempFolder(prefix = 'pastiche-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function tempStore(): RunStore {
  return openRunStore(tempFolder());
}

/** A second, independent connection, to look at what the store really wrote. */
export function rawDatabase(store: RunStore): Database.Database {
  return new Database(store.paths.database);
}

export function rowCounts(store: RunStore): Record<string, number> {
  const db = rawDatabase(store);
  try {
    return Object.fromEntries(TABLES.map((table) => [table, (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

/** Distinct bytes for each label, standing in for an encoded picture. */
export function fakeImage(store: RunStore, label: string): ImageRecord {
  return store.addImage(new TextEncoder().encode(`picture: ${label}`), { originalName: `${label}.png`, width: 40, height: 30, format: 'png' });
}

/** Every field off its default, with values that a lossy store would change. */
export const UNUSUAL_SETTINGS: StylizeSettings = {
  network: 'vgg19-imported-2',
  contentLayers: ['relu5_1', 'conv1_2', 'conv4_2'],
  styleLayers: [
    { layer: 'conv5_1', weight: 0.1 + 0.2 },
    { layer: 'conv1_1', weight: 1e-3 },
    { layer: 'conv3_4', weight: 0 },
    { layer: 'conv1_1', weight: 1e300 },
  ],
  contentWeight: 0.1 + 0.2,
  styleWeight: 123456.789e3,
  tvWeight: 5e-324,
  styleBlend: [1 / 3, 2 / 3],
  styleScale: 0.55,
  init: 'image',
  optimizer: { name: 'adam', learningRate: 0.013, beta1: 0.31, beta2: 0.9999, epsilon: 1e-11 },
  iterations: 7,
  size: 333,
  seed: 2 ** 53 - 1,
  pooling: 'avg',
  previewEvery: 3,
  preserveColors: 'histogram',
  styleRepr: 'local',
  localRadius: 3,
  gramMix: 0.1 + 0.2,
};

export function sampleRun(store: RunStore, settings: StylizeSettings = { ...UNUSUAL_SETTINGS, styleBlend: [1], init: 'noise' }): NewRun {
  return {
    project: 'tests',
    kind: 'stylize',
    contentImageId: fakeImage(store, 'photo').id,
    styles: settings.styleBlend.map((blendWeight, i) => ({ imageId: fakeImage(store, `painting ${i}`).id, blendWeight })),
    settings,
  };
}
