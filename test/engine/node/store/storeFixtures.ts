import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FeedforwardSettings } from '../../../../engine/common/fast/feedforwardSettings.js';
import type { TrainStyleSettings } from '../../../../engine/common/fast/trainingSettings.js';
import type { GenerateSettings } from '../../../../engine/common/generate/generateSettings.js';
import type { StylizeSettings } from '../../../../engine/common/stylize/settings.js';
import { storePaths } from '../../../../engine/node/paths.js';
import { MIGRATIONS } from '../../../../engine/node/store/migrations.js';
import {
  openRunStore,
  type ImageRecord,
  type NewFeedforwardRun,
  type NewGenerateRun,
  type NewStylizeRun,
  type NewTrainStyleRun,
  type RunStore,
} from '../../../../engine/node/store/runStore.js';
import { toLayerRows, toSettingsColumns } from '../../../../engine/node/store/settingsColumns.js';

export const TABLES = [
  'projects',
  'images',
  'run_kinds',
  'runs',
  'run_layers',
  'run_styles',
  'run_metrics',
  'run_outputs',
  'grids',
  'grid_cells',
] as const;

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
    return Object.fromEntries(
      TABLES.map((table) => [table, (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n]),
    );
  } finally {
    db.close();
  }
}

/** Distinct bytes for each label, standing in for an encoded picture. */
export function fakeImage(store: RunStore, label: string): ImageRecord {
  return store.addImage(new TextEncoder().encode(`picture: ${label}`), {
    originalName: `${label}.png`,
    width: 40,
    height: 30,
    format: 'png',
  });
}

/** A network's weights digest as runs record it when they start. */
export const WEIGHTS_SHA256 = 'a'.repeat(64);

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
  schedule: {
    stages: [
      { size: 111, iterations: 2, tile: null },
      { size: 333, iterations: 5, tile: null },
    ],
  },
};

export function sampleRun(
  store: RunStore,
  settings: StylizeSettings = { ...UNUSUAL_SETTINGS, styleBlend: [1], init: 'noise' },
): NewStylizeRun {
  return {
    project: 'tests',
    kind: 'stylize',
    contentImageId: fakeImage(store, 'photo').id,
    styles: settings.styleBlend.map((blendWeight, i) => ({
      imageId: fakeImage(store, `painting ${i}`).id,
      blendWeight,
    })),
    settings,
  };
}

/** Every field off its default; a mimic generator, so the run has its one painting. */
export const UNUSUAL_GENERATE_SETTINGS: GenerateSettings = {
  network: 'vgg19-imported-2',
  styleLayers: [
    { layer: 'conv4_1', weight: 0.1 + 0.2 },
    { layer: 'conv1_1', weight: 1e300 },
  ],
  styleWeight: 123456.789e3,
  tvWeight: 5e-324,
  styleScale: 0.55,
  optimizer: { name: 'adam', learningRate: 0.013, beta1: 0.31, beta2: 0.9999, epsilon: 1e-11 },
  iterations: 7,
  width: 333,
  height: 17,
  pooling: 'avg',
  previewEvery: 3,
  generator: { kind: 'mimic', seed: 2 ** 53 - 1, redraw: true },
};

export function sampleGenerateRun(
  store: RunStore,
  settings: GenerateSettings = UNUSUAL_GENERATE_SETTINGS,
): NewGenerateRun {
  const painting =
    settings.generator.kind === 'mimic' ? [{ imageId: fakeImage(store, 'painting').id, blendWeight: 1 }] : [];
  return { project: 'tests', kind: 'generate', styles: painting, settings };
}

/**
 * A data folder whose database stops at schema `version`, holding one stylization with one painting
 * written as that version wrote it (only the columns that schema had).
 * Returns the folder and the run's id.
 */
export function legacyStore(version: number, settings: StylizeSettings): { home: string; runId: number } {
  const home = tempFolder();
  const db = new Database(storePaths(home).database);
  try {
    MIGRATIONS.slice(0, version).forEach((script) => db.exec(script));
    db.pragma(`user_version = ${version}`);
    const projectId = Number(db.prepare("INSERT INTO projects (name) VALUES ('from the past')").run().lastInsertRowid);
    const image = db.prepare(
      'INSERT INTO images (sha256, path, original_name, width, height, format, bytes) VALUES (?, ?, ?, 40, 30, ' +
        "'png', 9)",
    );
    const [photo, painting] = ['photo', 'painting'].map((name) =>
      Number(image.run(name, `${name}.png`, `${name}.png`).lastInsertRowid),
    );
    // Only the columns that schema had: later ones come from their migrations' defaults.
    const existing = new Set(
      db
        .prepare<[], { name: string }>('PRAGMA table_info(runs)')
        .all()
        .map((column) => column.name),
    );
    const columns = toSettingsColumns(settings);
    const names = Object.keys(columns).filter((key) => existing.has(snakeCase(key)));
    const values = { ...columns, projectId, photo };
    const runId = Number(
      db
        .prepare(
          `INSERT INTO runs (project_id, kind, status, content_image_id, ${names.map(snakeCase).join(', ')})
      VALUES (@projectId, 'stylize', 'done', @photo, ${names.map((name) => `@${name}`).join(', ')})`,
        )
        .run(values).lastInsertRowid,
    );
    for (const row of toLayerRows(settings))
      db.prepare('INSERT INTO run_layers (run_id, role, position, layer, weight) VALUES (?, ?, ?, ?, ?)').run(
        runId,
        row.role,
        row.position,
        row.layer,
        row.weight,
      );
    db.prepare('INSERT INTO run_styles (run_id, position, image_id, blend_weight) VALUES (?, 0, ?, ?)').run(
      runId,
      painting,
      settings.styleBlend[0],
    );
    return { home, runId };
  } finally {
    db.close();
  }
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A picture of unusual proportions, tiled, with the photo's own size. */
export const UNUSUAL_FEEDFORWARD_SETTINGS: FeedforwardSettings = {
  style: 'rain_princess-2',
  size: null,
  width: 6001,
  height: 3999,
  tile: 512,
  overlap: 48,
};

export function sampleFeedforwardRun(
  store: RunStore,
  settings: FeedforwardSettings = UNUSUAL_FEEDFORWARD_SETTINGS,
): NewFeedforwardRun {
  return { project: 'tests', kind: 'feedforward', contentImageId: fakeImage(store, 'photo').id, settings };
}

/** Every field off its default, with values that a lossy store would change. */
export const UNUSUAL_TRAIN_STYLE_SETTINGS: TrainStyleSettings = {
  network: 'vgg19-imported-2',
  contentLayers: ['conv3_2'],
  styleLayers: [
    { layer: 'conv1_1', weight: 0.1 + 0.2 },
    { layer: 'conv3_1', weight: 1e300 },
  ],
  contentWeight: 0.1 + 0.2,
  styleWeight: 123456.789e3,
  tvWeight: 5e-324,
  size: 332,
  styleSize: 517,
  batchSize: 3,
  epochs: 7,
  steps: 11,
  optimizer: { name: 'adam', learningRate: 0.013, beta1: 0.31, beta2: 0.9999, epsilon: 1e-11 },
  seed: 2 ** 53 - 1,
  checkpointEvery: 5,
  previewEvery: 3,
  pooling: 'avg',
};

export function sampleTrainStyleRun(
  store: RunStore,
  settings: TrainStyleSettings = UNUSUAL_TRAIN_STYLE_SETTINGS,
): NewTrainStyleRun {
  return {
    project: 'tests',
    kind: 'train-style',
    contentImageId: fakeImage(store, 'validation photo').id,
    styles: [{ imageId: fakeImage(store, 'painting').id, blendWeight: 1 }],
    settings,
    training: {
      styleName: 'my-style_2',
      photos: { folder: '/photos/coco', count: 82783, namesSha256: 'b'.repeat(64) },
      totalSteps: 11,
    },
  };
}
