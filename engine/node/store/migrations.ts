/**
 * The store's schema, one SQL script per version; `PRAGMA user_version` records how many are applied.
 * Never edit a script once released: add the next one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: projects, images, runs with every hyper-parameter, their layers, styles, metrics and outputs
  `
  -- Timestamps are ISO 8601 UTC with milliseconds, as JavaScript's toISOString() writes them.
  CREATE TABLE projects (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
  ) STRICT;

  CREATE TABLE images (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,                 -- relative to media/
    original_name TEXT,
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    format TEXT NOT NULL,
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
  ) STRICT;

  -- A lookup table rather than a CHECK, so a later kind is one INSERT instead of rebuilding runs.
  CREATE TABLE run_kinds (name TEXT PRIMARY KEY) STRICT;
  INSERT INTO run_kinds (name) VALUES ('stylize');

  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL REFERENCES run_kinds(name),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    content_image_id INTEGER NOT NULL REFERENCES images(id),
    init_image_id INTEGER REFERENCES images(id),
    network TEXT NOT NULL,
    init TEXT NOT NULL CHECK (init IN ('noise', 'content', 'style', 'image')),
    content_weight REAL NOT NULL,
    style_weight REAL NOT NULL,
    tv_weight REAL NOT NULL,
    style_scale REAL NOT NULL,
    optimizer TEXT NOT NULL CHECK (optimizer IN ('lbfgs', 'adam')),
    optimizer_settings TEXT NOT NULL    -- JSON of the whole OptimizerSettings
      CHECK (json_valid(optimizer_settings) AND json_extract(optimizer_settings, '$.name') = optimizer),
    iterations INTEGER NOT NULL,
    size INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    pooling TEXT NOT NULL CHECK (pooling IN ('max', 'avg')),
    preview_every INTEGER NOT NULL,
    backend TEXT,
    owner_pid INTEGER,                  -- the process running it, so recovery spares live runs
    owner_store TEXT,                   -- and which of that process's stores, for runs of this process
    iterations_done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
    started_at TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    error TEXT,
    CHECK (status <> 'running' OR (owner_pid IS NOT NULL AND owner_store IS NOT NULL))
  ) STRICT;
  CREATE INDEX runs_by_project ON runs(project_id, id);
  CREATE INDEX runs_by_status ON runs(status, id);

  CREATE TABLE run_layers (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('content', 'style')),
    position INTEGER NOT NULL,
    layer TEXT NOT NULL,
    weight REAL,                        -- style layers only: content layers are unweighted
    PRIMARY KEY (run_id, role, position),
    CHECK ((role = 'style') = (weight IS NOT NULL))
  ) STRICT;

  CREATE TABLE run_styles (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    image_id INTEGER NOT NULL REFERENCES images(id),
    blend_weight REAL NOT NULL,
    PRIMARY KEY (run_id, position)
  ) STRICT;

  CREATE TABLE run_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    iteration INTEGER NOT NULL,
    total REAL,                         -- losses are NULL when NaN, which SQLite cannot store
    content REAL,
    style REAL,
    tv REAL,
    elapsed_ms REAL NOT NULL,
    PRIMARY KEY (run_id, iteration)
  ) STRICT;

  CREATE TABLE run_outputs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('result', 'preview', 'partial')),
    iteration INTEGER NOT NULL,
    image_id INTEGER NOT NULL REFERENCES images(id),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
  ) STRICT;
  CREATE INDEX run_outputs_by_run ON run_outputs(run_id, id);
  `,

  // 2: comparison grids — a base configuration, one or two varied axes, and the run of each cell
  `
  CREATE TABLE grids (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    name TEXT NOT NULL,
    base TEXT NOT NULL CHECK (json_valid(base)),   -- JSON of the QueueStylize every cell starts from
    axes TEXT NOT NULL CHECK (json_valid(axes) AND json_array_length(axes) BETWEEN 1 AND 2),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ'))
  ) STRICT;
  CREATE INDEX grids_by_project ON grids(project_id, id);

  CREATE TABLE grid_cells (
    grid_id INTEGER NOT NULL REFERENCES grids(id) ON DELETE CASCADE,
    row INTEGER NOT NULL CHECK (row >= 0),
    col INTEGER NOT NULL CHECK (col >= 0),
    run_id INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (grid_id, row, col)
  ) STRICT;
  `,

  // 3: colour preservation (Gatys et al. 2017) — runs recorded before it kept the painting's colours
  `
  ALTER TABLE runs ADD COLUMN preserve_colors TEXT NOT NULL DEFAULT 'none'
    CHECK (preserve_colors IN ('none', 'luminance', 'histogram'));
  `,

  // 4: style representations (Nikulin & Novak 2016 §7, §9) — runs recorded before it matched Gram matrices
  `
  ALTER TABLE runs ADD COLUMN style_repr TEXT NOT NULL DEFAULT 'gram'
    CHECK (style_repr IN ('gram', 'spatial', 'local'));
  ALTER TABLE runs ADD COLUMN local_radius INTEGER NOT NULL DEFAULT 0 CHECK (local_radius >= 0);
  ALTER TABLE runs ADD COLUMN gram_mix REAL NOT NULL DEFAULT 0 CHECK (gram_mix BETWEEN 0 AND 1);
  `,

  // 5: generate runs (Nikulin & Novak 2016, §6) — no photo, a size of their own, synthetic Gram targets
  `
  INSERT INTO run_kinds (name) VALUES ('generate');
  -- SQLite cannot drop a NOT NULL in place, so the photo's column is replaced by a nullable one.
  ALTER TABLE runs RENAME COLUMN content_image_id TO content_image_id_before_generate;
  ALTER TABLE runs ADD COLUMN content_image_id INTEGER REFERENCES images(id);
  UPDATE runs SET content_image_id = content_image_id_before_generate;
  ALTER TABLE runs DROP COLUMN content_image_id_before_generate;
  -- A stylization's size comes from its photo (the long side is size); a generate run has its own.
  ALTER TABLE runs ADD COLUMN width INTEGER CHECK (width > 0);
  ALTER TABLE runs ADD COLUMN height INTEGER CHECK (height > 0);
  -- JSON of the whole GramGenerator, its seed the run's. Added last, once every row has its photo back,
  -- it checks what each kind has: IS, not =, so that a missing value fails rather than passes as NULL.
  ALTER TABLE runs ADD COLUMN generator TEXT CHECK (CASE kind
    WHEN 'stylize' THEN content_image_id IS NOT NULL AND width IS NULL AND height IS NULL AND generator IS NULL
    WHEN 'generate' THEN content_image_id IS NULL AND init_image_id IS NULL AND size IS max(width, height)
      AND json_valid(generator) IS 1 AND json_extract(generator, '$.seed') IS seed
  END);
  `,

  // 6: the digest of the network's weights a run used (runs recorded before it name their network only)
  `
  ALTER TABLE runs ADD COLUMN weights_sha256 TEXT CHECK (weights_sha256 IS NULL OR length(weights_sha256) = 64);
  `,

  // 7: feed-forward runs (Johnson et al. 2016) — a photo through a style network: no optimisation, so its settings
  // become nullable
  `
  INSERT INTO run_kinds (name) VALUES ('feedforward');
  -- SQLite cannot drop NOT NULL in place: the table is rebuilt (foreign keys off, see TABLE_REBUILDS)
  -- and renamed over the old one, which the other tables' references then name again.
  CREATE TABLE runs_rebuilt (
    id INTEGER PRIMARY KEY,
    project_id INTEGER NOT NULL REFERENCES projects(id),
    kind TEXT NOT NULL REFERENCES run_kinds(name),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    content_image_id INTEGER REFERENCES images(id),
    init_image_id INTEGER REFERENCES images(id),
    network TEXT NOT NULL,              -- a feed-forward run's style network
    size INTEGER NOT NULL,              -- the long side
    width INTEGER CHECK (width > 0),
    height INTEGER CHECK (height > 0),
    -- The optimisation's settings, NULL for a feed-forward run.
    init TEXT CHECK (init IN ('noise', 'content', 'style', 'image')),
    content_weight REAL,
    style_weight REAL,
    tv_weight REAL,
    style_scale REAL,
    optimizer TEXT CHECK (optimizer IN ('lbfgs', 'adam')),
    optimizer_settings TEXT             -- JSON of the whole OptimizerSettings
      CHECK (optimizer_settings IS NULL
        OR (json_valid(optimizer_settings) AND json_extract(optimizer_settings, '$.name') IS optimizer)),
    iterations INTEGER,
    seed INTEGER,
    pooling TEXT CHECK (pooling IN ('max', 'avg')),
    preview_every INTEGER,
    preserve_colors TEXT CHECK (preserve_colors IN ('none', 'luminance', 'histogram')),
    style_repr TEXT CHECK (style_repr IN ('gram', 'spatial', 'local')),
    local_radius INTEGER CHECK (local_radius >= 0),
    gram_mix REAL CHECK (gram_mix BETWEEN 0 AND 1),
    generator TEXT,                     -- JSON of the whole GramGenerator, its seed the run's
    feedforward TEXT,                   -- JSON of the whole FeedforwardSettings
    weights_sha256 TEXT CHECK (weights_sha256 IS NULL OR length(weights_sha256) = 64),
    backend TEXT,
    owner_pid INTEGER,                  -- the process running it, so recovery spares live runs
    owner_store TEXT,                   -- and which of that process's stores, for runs of this process
    iterations_done INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ')),
    started_at TEXT,
    finished_at TEXT,
    duration_ms INTEGER,
    error TEXT,
    CHECK (status <> 'running' OR (owner_pid IS NOT NULL AND owner_store IS NOT NULL)),
    -- An optimisation has every one of its settings.
    CHECK (kind NOT IN ('stylize', 'generate') OR (init IS NOT NULL AND content_weight IS NOT NULL
      AND style_weight IS NOT NULL AND tv_weight IS NOT NULL AND style_scale IS NOT NULL AND optimizer IS NOT NULL
      AND optimizer_settings IS NOT NULL AND iterations IS NOT NULL AND seed IS NOT NULL AND pooling IS NOT NULL
      AND preview_every IS NOT NULL AND preserve_colors IS NOT NULL AND style_repr IS NOT NULL
      AND local_radius IS NOT NULL AND gram_mix IS NOT NULL)),
    -- What each kind has and lacks: IS, not =, so that a missing value fails rather than passes as NULL.
    -- A later kind adds its own check with the column it brings.
    CHECK (CASE kind
      WHEN 'stylize' THEN content_image_id IS NOT NULL AND width IS NULL AND height IS NULL AND generator IS NULL
        AND feedforward IS NULL
      WHEN 'generate' THEN content_image_id IS NULL AND init_image_id IS NULL AND size IS max(width, height)
        AND json_valid(generator) IS 1 AND json_extract(generator, '$.seed') IS seed AND feedforward IS NULL
      WHEN 'feedforward' THEN content_image_id IS NOT NULL AND init_image_id IS NULL AND generator IS NULL
        AND json_valid(feedforward) IS 1 AND json_extract(feedforward, '$.style') IS network
        AND json_extract(feedforward, '$.width') IS width AND json_extract(feedforward, '$.height') IS height
        AND size IS max(width, height)
        AND coalesce(init, content_weight, style_weight, tv_weight, style_scale, optimizer, optimizer_settings,
          iterations, seed, pooling, preview_every, preserve_colors, style_repr, local_radius, gram_mix) IS NULL
      ELSE 1
    END IS 1)
  ) STRICT;
  INSERT INTO runs_rebuilt (id, project_id, kind, status, content_image_id, init_image_id, network, size, width,
      height, init, content_weight, style_weight, tv_weight, style_scale, optimizer, optimizer_settings, iterations,
      seed, pooling, preview_every, preserve_colors, style_repr, local_radius, gram_mix, generator, weights_sha256,
      backend, owner_pid, owner_store, iterations_done, created_at, started_at, finished_at, duration_ms, error)
    SELECT id, project_id, kind, status, content_image_id, init_image_id, network, size, width,
      height, init, content_weight, style_weight, tv_weight, style_scale, optimizer, optimizer_settings, iterations,
      seed, pooling, preview_every, preserve_colors, style_repr, local_radius, gram_mix, generator, weights_sha256,
      backend, owner_pid, owner_store, iterations_done, created_at, started_at, finished_at, duration_ms, error
    FROM runs;
  DROP TABLE runs;
  ALTER TABLE runs_rebuilt RENAME TO runs;
  CREATE INDEX runs_by_project ON runs(project_id, id);
  CREATE INDEX runs_by_status ON runs(status, id);
  `,

  // 8: style network trainings (Johnson et al. 2016) — a transformer trained for one painting on a folder of photos
  `
  INSERT INTO run_kinds (name) VALUES ('train-style');
  -- The saved style's digest, once the training is done.
  ALTER TABLE runs ADD COLUMN trained_style_sha256 TEXT
    CHECK (trained_style_sha256 IS NULL OR length(trained_style_sha256) = 64);
  -- JSON of what a training has beyond the optimisation's columns: the settings the columns lack, the
  -- style's name, the photos. Its network is the loss network, its iterations are steps, its photo
  -- the validation photo and its one style the painting; it has no start image, generator or tiles.
  ALTER TABLE runs ADD COLUMN training TEXT CHECK ((CASE kind
    WHEN 'train-style' THEN json_valid(training) IS 1 AND content_image_id IS NOT NULL AND init_image_id IS NULL
      AND generator IS NULL AND feedforward IS NULL AND width IS NULL AND height IS NULL
      AND content_weight IS NOT NULL AND style_weight IS NOT NULL AND tv_weight IS NOT NULL AND optimizer IS 'adam'
      AND optimizer_settings IS NOT NULL AND iterations IS json_extract(training, '$.totalSteps') AND seed IS NOT NULL
      AND pooling IS NOT NULL AND preview_every IS NOT NULL
      AND coalesce(init, style_scale, preserve_colors, style_repr, local_radius, gram_mix) IS NULL
    ELSE training IS NULL AND trained_style_sha256 IS NULL
  END) IS 1);
  `,

  // 9: print resolution (Gatys et al. 2017 §5) — a stylization's coarse-to-fine stages and their tiles; runs before it
  // ran in one piece
  `
  -- JSON of the whole StylizeSchedule; NULL: one piece at size for iterations. Its last stage is the run's size.
  ALTER TABLE runs ADD COLUMN schedule TEXT CHECK (schedule IS NULL OR (kind IS 'stylize' AND json_valid(schedule) IS 1
    AND json_type(schedule, '$.stages') IS 'array' AND json_array_length(schedule, '$.stages') > 0
    AND json_extract(schedule, '$.stages[#-1].size') IS size));
  `,
];

/**
 * The versions whose script rebuilds a table (create, copy, drop, rename): they run with foreign keys
 * off, as SQLite's procedure requires (dropping the old table would otherwise cascade to its
 * dependants), and are followed by a foreign key check.
 */
export const TABLE_REBUILDS: ReadonlySet<number> = new Set([7]);
