import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GenerateSettings } from '../../../../engine/common/generate/generateSettings.js';
import type { StylizeSchedule } from '../../../../engine/common/stylize/schedule.js';
import type { StylizeSettings } from '../../../../engine/common/stylize/settings.js';
import { storePaths } from '../../../../engine/node/paths.js';
import { MIGRATIONS } from '../../../../engine/node/store/migrations.js';
import { openRunStore, type NewRun, type RunStore } from '../../../../engine/node/store/runStore.js';
import {
  fakeImage,
  legacyStore,
  rawDatabase,
  rowCounts,
  sampleFeedforwardRun,
  sampleGenerateRun,
  sampleRun,
  sampleTrainStyleRun,
  tempStore,
  UNUSUAL_FEEDFORWARD_SETTINGS,
  UNUSUAL_GENERATE_SETTINGS,
  UNUSUAL_SETTINGS,
  UNUSUAL_TRAIN_STYLE_SETTINGS,
  WEIGHTS_SHA256,
} from './storeFixtures.js';

describe('RunStore.createRun', () => {
  it('round-trips every hyper-parameter exactly, with styles, blend weights and init image in order', () => {
    const store = tempStore();
    const content = fakeImage(store, 'photo');
    const [first, second] = [fakeImage(store, 'first painting'), fakeImage(store, 'second painting')];
    const init = fakeImage(store, 'start');
    const settings = structuredClone(UNUSUAL_SETTINGS);
    const created = store.createRun({
      project: 'round trip',
      kind: 'stylize',
      contentImageId: content.id,
      initImageId: init.id,
      settings,
      styles: [
        { imageId: second.id, blendWeight: 1 / 3 },
        { imageId: first.id, blendWeight: 2 / 3 },
      ],
    });
    const run = store.run(created.id);
    assert.deepEqual(run, created);
    assert.deepStrictEqual(run.settings, UNUSUAL_SETTINGS);
    assert.deepEqual(run.styles, [
      { image: second, blendWeight: 1 / 3 },
      { image: first, blendWeight: 2 / 3 },
    ]);
    assert.deepEqual(run.contentImage, content);
    assert.deepEqual(run.initImage, init);
    assert.deepEqual(
      {
        project: run.project,
        kind: run.kind,
        status: run.status,
        backend: run.backend,
        iterationsDone: run.iterationsDone,
      },
      { project: 'round trip', kind: 'stylize', status: 'queued', backend: null, iterationsDone: 0 },
    );
    assert.deepEqual([run.startedAt, run.finishedAt, run.durationMs, run.error], [null, null, null, null]);
    assert.match(run.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    store.close();
  });

  it('round-trips L-BFGS settings, a run without style layers and one without content layers', () => {
    const store = tempStore();
    const lbfgs: StylizeSettings = {
      ...UNUSUAL_SETTINGS,
      styleBlend: [1],
      init: 'content',
      optimizer: { name: 'lbfgs', historySize: 7 },
      styleLayers: [],
      seed: 0,
    };
    const styleOnly: StylizeSettings = {
      ...lbfgs,
      contentLayers: [],
      styleLayers: [{ layer: 'conv2_1', weight: 2.5 }],
    };
    for (const settings of [lbfgs, styleOnly]) {
      const run = store.createRun(sampleRun(store, settings));
      assert.deepStrictEqual(store.run(run.id).settings, settings);
      assert.equal(run.initImage, null);
    }
    store.close();
  });

  it('writes nothing when anything in the run is refused', () => {
    const store = tempStore();
    const good = sampleRun(store);
    const before = rowCounts(store);
    const refused: Array<[string, NewRun, RegExp]> = [
      ['unknown content image', { ...good, contentImageId: 999 }, /image 999: no such image/],
      ['unknown style image', { ...good, styles: [{ imageId: 998, blendWeight: 1 }] }, /image 998: no such image/],
      ['unknown init image', { ...good, initImageId: 997 }, /image 997: no such image/],
      ['fewer styles than blend weights', { ...good, styles: [] }, /style-blend: 0 style images but 1 blend weights/],
      [
        'a blend weight other than the settings',
        { ...good, styles: [{ ...good.styles[0], blendWeight: 0.5 }] },
        /style-blend: style image 1 has blend weight 0.5 but the settings say 1/,
      ],
      ['an empty project name', { ...good, project: ' ' }, /project: must not be empty/],
      // Refused by the database itself after the project and the run row are written.
      [
        'a layer weight SQLite cannot keep',
        { ...good, project: 'new', settings: { ...good.settings, styleLayers: [{ layer: 'conv1_1', weight: NaN }] } },
        /CHECK constraint/,
      ],
      [
        'a seed that is no integer',
        { ...good, project: 'new', settings: { ...good.settings, seed: 1.5 } },
        /cannot store REAL value in INTEGER column/,
      ],
    ];
    for (const [what, run, error] of refused) {
      assert.throws(() => store.createRun(run), error, what);
      assert.deepEqual(rowCounts(store), before, what);
    }
    assert.equal(store.createRun(good).status, 'queued', 'the store still works');
    store.close();
  });
});

function startedRun(store: RunStore): number {
  const id = store.createRun(sampleRun(store)).id;
  store.startRun(id, 'wasm', WEIGHTS_SHA256);
  return id;
}

const outputKinds = (store: RunStore, id: number) => store.outputs(id).map((o) => [o.kind, o.iteration, o.image.id]);

describe('RunStore migrations', () => {
  it(
    'reads runs recorded before colour preservation and style representations existed (schema 2) as keeping the ' +
      "paintings' colours and matching Gram matrices, their other settings intact",
    () => {
      const settings: StylizeSettings = {
        ...UNUSUAL_SETTINGS,
        styleBlend: [1],
        init: 'noise',
        preserveColors: 'none',
        styleRepr: 'gram',
        localRadius: 0,
        gramMix: 0,
        schedule: null,
      };
      const { home, runId } = legacyStore(2, settings);
      const reopened = openRunStore(home);
      try {
        assert.deepEqual(reopened.run(runId).settings, settings);
        const raw = rawDatabase(reopened);
        assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length);
        raw.close();
      } finally {
        reopened.close();
      }
    },
  );

  it(
    'reads runs recorded before generate runs existed (schema 3) as stylizations with their photo, and takes ' +
      'generate runs after',
    () => {
      // Schema 3 had colour preservation but not yet style representations (schema 4): those read as Gram matrices.
      const settings: StylizeSettings = {
        ...UNUSUAL_SETTINGS,
        styleBlend: [1],
        init: 'noise',
        styleRepr: 'gram',
        localRadius: 0,
        gramMix: 0,
        schedule: null,
      };
      const { home, runId } = legacyStore(3, settings);
      const reopened = openRunStore(home);
      try {
        const run = reopened.run(runId);
        assert.equal(run.kind, 'stylize');
        assert.equal(run.contentImage?.originalName, 'photo.png');
        assert.deepEqual(
          run.styles.map((style) => style.image.originalName),
          ['painting.png'],
        );
        assert.deepEqual(run.settings, settings);
        const generated = reopened.createRun(sampleGenerateRun(reopened));
        assert.deepEqual(
          reopened.listRuns().map((r) => [r.id, r.kind]),
          [
            [generated.id, 'generate'],
            [runId, 'stylize'],
          ],
        );
        const raw = rawDatabase(reopened);
        assert.deepEqual(raw.pragma('foreign_key_check'), []);
        raw.close();
      } finally {
        reopened.close();
      }
    },
  );
});

describe('RunStore schema 7 (the runs table rebuilt for feed-forward runs)', () => {
  it('keeps a schema-6 run with its layers, painting, metrics and outputs, and the references between them', () => {
    const settings: StylizeSettings = { ...UNUSUAL_SETTINGS, styleBlend: [1], init: 'noise', schedule: null };
    const { home, runId } = legacyStore(6, settings);
    const past = new Database(storePaths(home).database);
    past
      .prepare(
        'INSERT INTO run_metrics (run_id, iteration, total, content, style, tv, elapsed_ms) VALUES (?, 1, 2, 3, 4, ' +
          '5, 6)',
      )
      .run(runId);
    past.prepare("INSERT INTO run_outputs (run_id, kind, iteration, image_id) VALUES (?, 'result', 7, 1)").run(runId);
    past.close();
    const reopened = openRunStore(home);
    try {
      const run = reopened.run(runId);
      assert.deepEqual(run.settings, settings);
      assert.deepEqual(
        run.styles.map((style) => style.image.originalName),
        ['painting.png'],
      );
      assert.deepEqual(
        reopened.metrics(runId).map((m) => [m.iteration, m.total]),
        [[1, 2]],
      );
      assert.deepEqual(
        reopened.outputs(runId).map((o) => [o.kind, o.iteration]),
        [['result', 7]],
      );
      const raw = rawDatabase(reopened);
      assert.deepEqual(raw.pragma('foreign_key_check'), []);
      // The other tables still refer to runs (not to a table renamed away), and deleting cascades again.
      raw.pragma('foreign_keys = ON');
      assert.throws(
        () =>
          raw
            .prepare(
              "INSERT INTO run_layers (run_id, role, position, layer, weight) VALUES (999, 'style', 0, 'conv1_1', 1)",
            )
            .run(),
        /FOREIGN KEY/,
      );
      raw.prepare('DELETE FROM runs WHERE id = ?').run(runId);
      assert.deepEqual(
        ['run_layers', 'run_styles', 'run_metrics', 'run_outputs'].map(
          (table) => (raw.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
        ),
        [0, 0, 0, 0],
      );
      raw.close();
    } finally {
      reopened.close();
    }
  });
});

/** A print schedule: coarse stages in one piece, the last two in tiles of unusual sizes. */
const TILED_SCHEDULE: StylizeSchedule = {
  stages: [
    { size: 41, iterations: 3, tile: null },
    { size: 166, iterations: 1, tile: { size: 77, overlap: 13 } },
    { size: 333, iterations: 3, tile: { size: 250, overlap: 125 } },
  ],
};

describe('RunStore schedules (schema 9: print resolution, Gatys et al. 2017 §5)', () => {
  it('round-trips a coarse-to-fine schedule with its tiles exactly, and a run in one piece as no schedule', () => {
    const store = tempStore();
    const tiled: StylizeSettings = {
      ...UNUSUAL_SETTINGS,
      styleBlend: [1],
      init: 'noise',
      styleRepr: 'gram',
      localRadius: 0,
      gramMix: 0,
      schedule: structuredClone(TILED_SCHEDULE),
    };
    const created = store.createRun(sampleRun(store, tiled));
    assert.deepStrictEqual(store.run(created.id).settings, { ...tiled, schedule: TILED_SCHEDULE });
    const plain = store.createRun(sampleRun(store, { ...tiled, schedule: null }));
    assert.equal((store.run(plain.id).settings as StylizeSettings).schedule, null);
    const raw = rawDatabase(store);
    const rows = raw.prepare('SELECT id, schedule FROM runs ORDER BY id').all();
    assert.deepEqual(rows, [
      { id: created.id, schedule: JSON.stringify(TILED_SCHEDULE) },
      { id: plain.id, schedule: null },
    ]);
    raw.close();
    store.close();
  });

  it('holds a schedule to a stylization ending at its size, whoever writes the row', () => {
    const store = tempStore();
    const stylization = store.createRun(sampleRun(store, { ...UNUSUAL_SETTINGS, styleBlend: [1], init: 'noise' })).id;
    const generated = store.createRun(sampleGenerateRun(store)).id;
    // Its last stage the generate run's size: only its kind is wrong.
    const generateSize = Math.max(UNUSUAL_GENERATE_SETTINGS.width, UNUSUAL_GENERATE_SETTINGS.height);
    const before = rowCounts(store);
    const raw = rawDatabase(store);
    for (const [what, sql] of [
      ["a last stage other than the run's size", `UPDATE runs SET size = 334 WHERE id = ${stylization}`],
      ['a schedule that is not JSON', `UPDATE runs SET schedule = 'stages' WHERE id = ${stylization}`],
      ['a schedule without stages', `UPDATE runs SET schedule = '{"stages":[]}' WHERE id = ${stylization}`],
      [
        'a generate run with a schedule',
        `UPDATE runs SET schedule = '{"stages":[{"size":${generateSize},"iterations":1,"tile":null}]}' WHERE id = ` +
          `${generated}`,
      ],
    ])
      assert.throws(() => raw.prepare(sql).run(), /CHECK constraint failed/, what);
    raw.close();
    assert.deepEqual(rowCounts(store), before);
    store.close();
  });

  it('reads a schema-8 stylization as run in one piece (no schedule), and takes scheduled runs after', () => {
    const settings: StylizeSettings = {
      ...UNUSUAL_SETTINGS,
      styleBlend: [1],
      init: 'noise',
      styleRepr: 'gram',
      localRadius: 0,
      gramMix: 0,
      schedule: null,
    };
    const { home, runId } = legacyStore(8, settings);
    const reopened = openRunStore(home);
    try {
      assert.deepStrictEqual(reopened.run(runId).settings, settings);
      const scheduled = reopened.createRun(sampleRun(reopened, { ...settings, schedule: TILED_SCHEDULE }));
      assert.deepStrictEqual((reopened.run(scheduled.id).settings as StylizeSettings).schedule, TILED_SCHEDULE);
      const raw = rawDatabase(reopened);
      assert.equal(raw.pragma('user_version', { simple: true }), 9);
      raw.close();
    } finally {
      reopened.close();
    }
  });
});

describe('RunStore feed-forward runs (Johnson et al. 2016)', () => {
  it('round-trips the style network, size and tiling exactly, with no optimisation settings in the row', () => {
    const store = tempStore();
    const created = store.createRun(sampleFeedforwardRun(store, structuredClone(UNUSUAL_FEEDFORWARD_SETTINGS)));
    const run = store.run(created.id);
    assert.deepEqual(run, created);
    assert.deepStrictEqual(run.settings, UNUSUAL_FEEDFORWARD_SETTINGS);
    assert.deepEqual(
      [run.kind, run.contentImage?.originalName, run.initImage, run.styles],
      ['feedforward', 'photo.png', null, []],
    );
    const raw = rawDatabase(store);
    const row = raw
      .prepare(
        'SELECT network, size, width, height, init, content_weight, optimizer, iterations, seed, pooling, ' +
          'style_repr, feedforward FROM runs WHERE id = ?',
      )
      .get(run.id);
    assert.deepEqual(row, {
      network: 'rain_princess-2',
      size: 6001,
      width: 6001,
      height: 3999,
      init: null,
      content_weight: null,
      optimizer: null,
      iterations: null,
      seed: null,
      pooling: null,
      style_repr: null,
      feedforward: JSON.stringify(UNUSUAL_FEEDFORWARD_SETTINGS),
    });
    assert.equal(
      (raw.prepare('SELECT count(*) AS n FROM run_layers WHERE run_id = ?').get(run.id) as { n: number }).n,
      0,
    );
    raw.close();
    store.startRun(run.id, 'wasm', WEIGHTS_SHA256);
    assert.deepEqual([store.run(run.id).status, store.run(run.id).weightsSha256], ['running', WEIGHTS_SHA256]);
    store.close();
  });

  it('holds each kind to what it has, whoever writes the row', () => {
    const store = tempStore();
    const fast = store.createRun(sampleFeedforwardRun(store)).id;
    const stylization = store.createRun(sampleRun(store)).id;
    const generated = store.createRun(sampleGenerateRun(store)).id;
    const before = rowCounts(store);
    assert.throws(
      () => store.createRun({ ...sampleFeedforwardRun(store), contentImageId: 999 }),
      /image 999: no such image/,
    );
    const raw = rawDatabase(store);
    for (const [what, sql] of [
      ['a feed-forward run with an optimisation setting', `UPDATE runs SET init = 'noise' WHERE id = ${fast}`],
      ['a feed-forward run without its photo', `UPDATE runs SET content_image_id = NULL WHERE id = ${fast}`],
      ["a style network other than the settings' one", `UPDATE runs SET network = 'udnie' WHERE id = ${fast}`],
      ["a width other than the settings' one", `UPDATE runs SET width = 600, size = 3999 WHERE id = ${fast}`],
      ['a size other than the long side', `UPDATE runs SET size = 512 WHERE id = ${fast}`],
      ['a feed-forward run without its settings', `UPDATE runs SET feedforward = NULL WHERE id = ${fast}`],
      ['a stylization without its init', `UPDATE runs SET init = NULL WHERE id = ${stylization}`],
      ['a stylization with feed-forward settings', `UPDATE runs SET feedforward = '{}' WHERE id = ${stylization}`],
      [
        'a generate run without its optimizer',
        `UPDATE runs SET optimizer = NULL, optimizer_settings = NULL WHERE id = ${generated}`,
      ],
    ])
      assert.throws(() => raw.prepare(sql).run(), /CHECK constraint failed/, what);
    raw.close();
    assert.deepEqual(rowCounts(store), before);
    store.close();
  });
});

describe('RunStore style network trainings (Johnson et al. 2016)', () => {
  it(
    'round-trips every setting, the style name, the photos and the steps exactly, with the validation photo and the ' +
      'painting',
    () => {
      const store = tempStore();
      const created = store.createRun(sampleTrainStyleRun(store, structuredClone(UNUSUAL_TRAIN_STYLE_SETTINGS)));
      const run = store.run(created.id);
      assert.deepEqual(run, created);
      assert.equal(run.kind, 'train-style');
      if (run.kind !== 'train-style') return;
      assert.deepStrictEqual(run.settings, UNUSUAL_TRAIN_STYLE_SETTINGS);
      assert.deepEqual(run.training, {
        styleName: 'my-style_2',
        photos: { folder: '/photos/coco', count: 82783, namesSha256: 'b'.repeat(64) },
        totalSteps: 11,
        styleSha256: null,
      });
      assert.deepEqual(
        [run.contentImage.originalName, run.initImage, run.styles.map((s) => [s.image.originalName, s.blendWeight])],
        ['validation photo.png', null, [['painting.png', 1]]],
      );
      const raw = rawDatabase(store);
      const row = raw
        .prepare(
          'SELECT network, size, init, content_weight, optimizer, iterations, seed, pooling, style_scale, ' +
            'style_repr, ' +
            'width, generator, feedforward FROM runs WHERE id = ?',
        )
        .get(run.id);
      raw.close();
      assert.deepEqual(row, {
        network: 'vgg19-imported-2',
        size: 332,
        init: null,
        content_weight: 0.1 + 0.2,
        optimizer: 'adam',
        iterations: 11,
        seed: 2 ** 53 - 1,
        pooling: 'avg',
        style_scale: null,
        style_repr: null,
        width: null,
        generator: null,
        feedforward: null,
      });
      store.close();
    },
  );

  it(
    'resumes a stopped training as the same run from its checkpoint, dropping what the steps after it recorded, and ' +
      "keeps the saved style's digest",
    () => {
      const store = tempStore();
      const id = store.createRun(sampleTrainStyleRun(store)).id;
      store.startRun(id, 'wasm', WEIGHTS_SHA256);
      const metric = (iteration: number) => ({
        iteration,
        total: 3,
        content: 1,
        style: 1,
        tv: 1,
        elapsedMs: iteration * 10,
      });
      store.recordMetrics(id, [1, 2, 3, 4, 5].map(metric));
      const previews = [3, 5].map((step) =>
        store.addOutput(id, 'preview', step, fakeImage(store, `preview ${step}`).id),
      );
      store.failRun(id, 'interrupted', { imageId: previews[1].image.id, iteration: 5 });
      assert.throws(
        () => store.startRun(id, 'wasm', WEIGHTS_SHA256),
        /run \d+: is failed, so it cannot become running/,
      );
      store.resumeTraining(id, 4, 'cpu', 'c'.repeat(64));
      const resumed = store.run(id);
      assert.deepEqual(
        [
          resumed.status,
          resumed.error,
          resumed.finishedAt,
          resumed.iterationsDone,
          resumed.backend,
          resumed.weightsSha256,
        ],
        ['running', null, null, 4, 'cpu', 'c'.repeat(64)],
      );
      assert.deepEqual(
        store.metrics(id).map((m) => m.iteration),
        [1, 2, 3, 4],
      );
      assert.deepEqual(outputKinds(store, id), [['preview', 3, previews[0].image.id]]);
      store.recordMetrics(id, [5, 6].map(metric));
      const last = store.addOutput(id, 'preview', 6, fakeImage(store, 'preview 6').id);
      store.finishTraining(id, { imageId: last.image.id, iteration: 6 }, 'd'.repeat(64));
      const done = store.run(id);
      assert.deepEqual(
        [done.status, done.kind === 'train-style' && done.training.styleSha256],
        ['done', 'd'.repeat(64)],
      );
      assert.throws(() => store.resumeTraining(id, 4, 'cpu', WEIGHTS_SHA256), /is done, so it cannot be resumed/);
      const stylization = startedRun(store);
      store.cancelRun(stylization);
      assert.throws(
        () => store.resumeTraining(stylization, 0, 'cpu', WEIGHTS_SHA256),
        /is a stylize run, not a training/,
      );
      store.close();
    },
  );

  it('holds a training to what it has, whoever writes the row', () => {
    const store = tempStore();
    const training = store.createRun(sampleTrainStyleRun(store)).id;
    const stylization = store.createRun(sampleRun(store)).id;
    const raw = rawDatabase(store);
    for (const [what, sql] of [
      ['a training without its validation photo', `UPDATE runs SET content_image_id = NULL WHERE id = ${training}`],
      ['a training with a start image', `UPDATE runs SET init = 'noise' WHERE id = ${training}`],
      [
        'a training with L-BFGS',
        `UPDATE runs SET optimizer = 'lbfgs', optimizer_settings = '{"name":"lbfgs","historySize":5}' WHERE id = ` +
          `${training}`,
      ],
      ["steps other than its training's", `UPDATE runs SET iterations = 12 WHERE id = ${training}`],
      ['a training without its JSON', `UPDATE runs SET training = NULL WHERE id = ${training}`],
      ['a stylization with a training', `UPDATE runs SET training = '{}' WHERE id = ${stylization}`],
      [
        'a stylization with a trained style',
        `UPDATE runs SET trained_style_sha256 = '${'e'.repeat(64)}' WHERE id = ${stylization}`,
      ],
    ])
      assert.throws(() => raw.prepare(sql).run(), /CHECK constraint failed/, what);
    raw.close();
    store.close();
  });
});

describe('RunStore generate runs (Nikulin & Novak 2016, §6)', () => {
  it(
    'round-trips every setting and the generator with its seed exactly, with no photo and the painting mimic ' +
      'measures',
    () => {
      const store = tempStore();
      const created = store.createRun(sampleGenerateRun(store, structuredClone(UNUSUAL_GENERATE_SETTINGS)));
      const run = store.run(created.id);
      assert.deepEqual(run, created);
      assert.deepStrictEqual(run.settings, UNUSUAL_GENERATE_SETTINGS);
      assert.deepEqual([run.kind, run.contentImage, run.initImage], ['generate', null, null]);
      assert.deepEqual(
        run.styles.map((style) => [style.image.originalName, style.blendWeight]),
        [['painting.png', 1]],
      );
      // The row holds exactly the generator used, and the shared columns the values meaning "none".
      const raw = rawDatabase(store);
      const row = raw
        .prepare(
          'SELECT kind, content_image_id, init, content_weight, preserve_colors, size, seed, width, height, ' +
            'generator ' +
            'FROM runs WHERE id = ?',
        )
        .get(run.id);
      raw.close();
      assert.deepEqual(row, {
        kind: 'generate',
        content_image_id: null,
        init: 'noise',
        content_weight: 0,
        preserve_colors: 'none',
        size: 333,
        seed: 2 ** 53 - 1,
        width: 333,
        height: 17,
        generator: JSON.stringify(UNUSUAL_GENERATE_SETTINGS.generator),
      });
      store.close();
    },
  );

  it('round-trips each generator', () => {
    const store = tempStore();
    const generators: GenerateSettings['generator'][] = [
      {
        kind: 'single',
        seed: 0,
        redraw: false,
        layer: 'conv4_1',
        entry: { row: 3, column: 400 },
        amplitude: 0.1 + 0.2,
      },
      { kind: 'single', seed: 5, redraw: true, layer: 'conv1_1', entry: null, amplitude: 1e300 },
      { kind: 'sparse', seed: 7, redraw: false, layers: ['conv1_1', 'conv4_1'], amplitude: 5e-324, sparsity: 1 / 3 },
    ];
    for (const generator of generators) {
      const settings: GenerateSettings = {
        ...UNUSUAL_GENERATE_SETTINGS,
        optimizer: { name: 'lbfgs', historySize: 7 },
        generator,
      };
      const run = store.createRun(sampleGenerateRun(store, settings));
      assert.deepStrictEqual(store.run(run.id).settings, settings);
      assert.deepEqual(run.styles, []);
    }
    store.close();
  });

  it('writes nothing when a generate run is refused, by the store or by the schema', () => {
    const store = tempStore();
    const good = sampleGenerateRun(store);
    const sparse: GenerateSettings = {
      ...good.settings,
      generator: { kind: 'sparse', seed: 1, redraw: false, layers: ['conv1_1'], amplitude: 1, sparsity: 0.5 },
    };
    const before = rowCounts(store);
    const refused: Array<[string, NewRun, RegExp]> = [
      ['mimic without its painting', { ...good, styles: [] }, /style-blend: 0 style images but 1 blend weights/],
      [
        'a painting for a generator that takes none',
        { ...good, settings: sparse },
        /style-blend: 1 style images but 0 blend weights/,
      ],
      [
        'a painting weighed other than 1',
        { ...good, styles: [{ ...good.styles[0], blendWeight: 0.5 }] },
        /style-blend: style image 1 has blend weight 0.5 but the settings say 1/,
      ],
      ['an unknown painting', { ...good, styles: [{ imageId: 996, blendWeight: 1 }] }, /image 996: no such image/],
      [
        'a seed that is no integer',
        {
          ...good,
          project: 'new',
          settings: { ...good.settings, generator: { ...good.settings.generator, seed: 1.5 } },
        },
        /cannot store REAL value in INTEGER column/,
      ],
    ];
    for (const [what, run, error] of refused) {
      assert.throws(() => store.createRun(run), error, what);
      assert.deepEqual(rowCounts(store), before, what);
    }
    // What the schema itself holds each kind to, whoever writes the row.
    const raw = rawDatabase(store);
    const id = store.createRun(good).id;
    const stylization = store.createRun(sampleRun(store)).id;
    for (const [what, sql] of [
      ['a generate run with a photo', `UPDATE runs SET content_image_id = 1 WHERE id = ${id}`],
      ["a generator whose seed is not the run's", `UPDATE runs SET seed = 3 WHERE id = ${id}`],
      ['a generate run without a generator', `UPDATE runs SET generator = NULL WHERE id = ${id}`],
      ['a size other than the long side', `UPDATE runs SET width = 400 WHERE id = ${id}`],
      ['a stylization without its photo', `UPDATE runs SET content_image_id = NULL WHERE id = ${stylization}`],
      ['a stylization with a generator', `UPDATE runs SET generator = '{"seed":0}' WHERE id = ${stylization}`],
    ])
      assert.throws(() => raw.prepare(sql).run(), /CHECK constraint failed/, what);
    raw.close();
    store.close();
  });
});

describe('RunStore run lifecycle', () => {
  it('goes queued → running → done, with its result, times and backend', () => {
    const store = tempStore();
    const id = startedRun(store);
    const running = store.run(id);
    assert.deepEqual([running.status, running.backend], ['running', 'wasm']);
    assert.ok(running.startedAt);
    const preview = store.addOutput(id, 'preview', 3, fakeImage(store, 'preview 3').id);
    assert.deepEqual([preview.kind, preview.iteration, preview.image.originalName], ['preview', 3, 'preview 3.png']);
    const result = fakeImage(store, 'result');
    store.finishRun(id, { imageId: result.id, iteration: 7 });
    const done = store.run(id);
    assert.equal(done.status, 'done');
    assert.ok(done.finishedAt && done.startedAt && done.finishedAt >= done.startedAt);
    assert.ok(done.durationMs !== null && done.durationMs >= 0 && done.durationMs < 60_000);
    assert.deepEqual(outputKinds(store, id), [
      ['preview', 3, preview.image.id],
      ['result', 7, result.id],
    ]);
    assert.deepEqual(store.latestImage(id)?.image, result);
    store.close();
  });

  it('keeps the partial image of a failed run and of a cancelled one', () => {
    const store = tempStore();
    const failed = startedRun(store);
    const lastGood = fakeImage(store, 'last good');
    store.addOutput(failed, 'preview', 5, fakeImage(store, 'later preview').id);
    store.failRun(failed, 'out of memory', { imageId: lastGood.id, iteration: 4 });
    assert.deepEqual([store.run(failed).status, store.run(failed).error], ['failed', 'out of memory']);
    assert.deepEqual([store.latestImage(failed)?.kind, store.latestImage(failed)?.image.id], ['partial', lastGood.id]);

    const cancelled = startedRun(store);
    store.cancelRun(cancelled, { imageId: lastGood.id, iteration: 2 });
    assert.deepEqual([store.run(cancelled).status, store.run(cancelled).error], ['cancelled', null]);
    assert.deepEqual(outputKinds(store, cancelled), [['partial', 2, lastGood.id]]);
    store.close();
  });

  it('fails or cancels a queued run, which never started, without an image', () => {
    const store = tempStore();
    const failed = store.createRun(sampleRun(store)).id;
    store.failRun(failed, 'network missing');
    const cancelled = store.createRun(sampleRun(store)).id;
    store.cancelRun(cancelled);
    for (const id of [failed, cancelled]) {
      assert.deepEqual([store.run(id).startedAt, store.run(id).durationMs, store.latestImage(id)], [null, null, null]);
    }
    store.close();
  });

  it('refuses illegal transitions and changes nothing', () => {
    const store = tempStore();
    const image = { imageId: fakeImage(store, 'some image').id, iteration: 1 };
    const queued = store.createRun(sampleRun(store)).id;
    assert.throws(() => store.finishRun(queued, image), {
      name: 'PasticheError',
      message: `run ${queued}: is queued, so it cannot become done`,
    });
    const done = startedRun(store);
    store.finishRun(done, image);
    assert.throws(() => store.startRun(queued + 100, 'wasm', WEIGHTS_SHA256), {
      message: `run ${queued + 100}: no such run`,
    });
    assert.throws(() => store.startRun(done, 'wasm', WEIGHTS_SHA256), /is done, so it cannot become running/);
    assert.throws(() => store.finishRun(done, image), /is done, so it cannot become done/);
    assert.throws(() => store.failRun(done, 'late', image), /is done, so it cannot become failed/);
    assert.throws(() => store.cancelRun(done, image), /is done, so it cannot become cancelled/);
    const cancelled = startedRun(store);
    store.cancelRun(cancelled);
    assert.throws(() => store.failRun(cancelled, 'late'), /is cancelled, so it cannot become failed/);
    assert.deepEqual(
      [store.run(queued).status, store.run(done).status, store.run(cancelled).status],
      ['queued', 'done', 'cancelled'],
    );
    assert.deepEqual(outputKinds(store, done), [['result', 1, image.imageId]], 'a refused end adds no output');
    assert.deepEqual(outputKinds(store, queued), []);
    store.close();
  });

  it('stores metrics in iteration order, keeps NaN losses, and counts iterations done', () => {
    const store = tempStore();
    const id = startedRun(store);
    const metric = (iteration: number, total = iteration * 10) => ({
      iteration,
      total,
      content: 0.1 + 0.2,
      style: 1e-300,
      tv: iteration,
      elapsedMs: iteration * 1.5,
    });
    store.recordMetrics(id, [metric(1), metric(3), metric(2)]);
    assert.equal(store.run(id).iterationsDone, 3);
    store.recordMetrics(id, [metric(4, NaN), metric(5)]);
    store.recordMetrics(id, []);
    assert.deepEqual(
      store.metrics(id),
      [1, 2, 3, 4, 5].map((i) => metric(i, i === 4 ? NaN : i * 10)),
    );
    assert.equal(store.run(id).iterationsDone, 5);
    assert.throws(() => store.recordMetrics(id, [metric(6), metric(5)]), /UNIQUE/, 'a repeated iteration is refused');
    assert.equal(store.metrics(id).length, 5, 'the whole batch is refused');
    assert.equal(store.run(id).iterationsDone, 5);
    assert.throws(() => store.recordMetrics(999, [metric(1)]), /run 999: no such run/);
    store.close();
  });

  it('shows a run by its result, else its partial image, else its latest preview', () => {
    const store = tempStore();
    const id = startedRun(store);
    const latest = () => [store.latestImage(id)?.kind, store.latestImage(id)?.iteration];
    assert.deepEqual(latest(), [undefined, undefined]);
    store.addOutput(id, 'preview', 2, fakeImage(store, 'preview 2').id);
    store.addOutput(id, 'preview', 4, fakeImage(store, 'preview 4').id);
    assert.deepEqual(latest(), ['preview', 4]);
    store.addOutput(id, 'result', 5, fakeImage(store, 'result').id);
    store.addOutput(id, 'preview', 6, fakeImage(store, 'preview 6').id);
    assert.deepEqual(latest(), ['result', 5]);
    store.addOutput(id, 'partial', 3, fakeImage(store, 'partial').id);
    assert.deepEqual(latest(), ['result', 5]);
    store.close();
  });

  it('refuses outputs of unknown runs or images, and reads of unknown runs', () => {
    const store = tempStore();
    const id = startedRun(store);
    assert.throws(() => store.addOutput(id, 'preview', 1, 999), /image 999: no such image/);
    assert.throws(() => store.addOutput(999, 'preview', 1, fakeImage(store, 'x').id), /run 999: no such run/);
    for (const read of [
      () => store.run(999),
      () => store.metrics(999),
      () => store.outputs(999),
      () => store.latestImage(999),
    ]) {
      assert.throws(read, { name: 'PasticheError', message: 'run 999: no such run' });
    }
    assert.deepEqual(rowCounts(store).run_outputs, 0);
    store.close();
  });
});

describe('RunStore listing', () => {
  it('lists runs newest first, by project, status and limit, and projects with their run counts', () => {
    const store = tempStore();
    const make = (project: string) => store.createRun({ ...sampleRun(store), project }).id;
    const [a1, b1, a2, a3] = [make('alpha'), make('beta'), make('alpha'), make('alpha')];
    store.startRun(a2, 'wasm', WEIGHTS_SHA256);
    const ids = (runs: Array<{ id: number }>) => runs.map((run) => run.id);
    assert.deepEqual(ids(store.listRuns()), [a3, a2, b1, a1]);
    assert.deepEqual(ids(store.listRuns({ project: 'alpha' })), [a3, a2, a1]);
    assert.deepEqual(ids(store.listRuns({ status: 'running' })), [a2]);
    assert.deepEqual(ids(store.listRuns({ project: 'alpha', status: 'queued', limit: 1 })), [a3]);
    assert.deepEqual(ids(store.listRuns({ project: 'nobody' })), []);
    assert.deepEqual(
      store.projects().map(({ name, runCount }) => [name, runCount]),
      [
        ['alpha', 3],
        ['beta', 1],
      ],
    );
    const db = rawDatabase(store);
    const plan = db
      .prepare("EXPLAIN QUERY PLAN SELECT id FROM runs WHERE status = 'running' ORDER BY id DESC")
      .all() as Array<{ detail: string }>;
    db.close();
    assert.ok(
      plan.some((step) => /runs_by_status/.test(step.detail)),
      'listing by status uses its index',
    );
    store.close();
  });
});
