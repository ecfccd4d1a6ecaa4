/**
 * The zoo's schema as numbered migrations. Migration n moves a database from
 * `user_version` n − 1 to n; each runs in one transaction with the version bump, so a
 * database is always at a whole version. Never edit a released migration: add one.
 */
export interface Migration {
  readonly version: number;
  readonly sql: string;
  /**
   * Runs with foreign keys off: a migration that rebuilds a table other tables reference
   * (create the new table, copy, drop the old, rename) must not cascade the drop into
   * them. The runner checks every reference before it commits (database.ts).
   */
  readonly foreignKeysOff?: boolean;
}

const initial = /* sql */ `
CREATE TABLE projects (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);

-- User-imported datasets; the built-in ones are known by the data registry.
CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  input_dim INTEGER NOT NULL,
  class_count INTEGER NOT NULL,
  class_names TEXT NOT NULL,
  train_count INTEGER NOT NULL,
  test_count INTEGER NOT NULL,
  input_low REAL NOT NULL,
  input_high REAL NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE plane_sets (
  id INTEGER PRIMARY KEY,
  dataset_id TEXT NOT NULL,
  seed INTEGER NOT NULL,
  count INTEGER NOT NULL,
  clip INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (dataset_id, count, seed, clip)
);

CREATE TABLE planes (
  plane_set_id INTEGER NOT NULL REFERENCES plane_sets(id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  sample0 INTEGER NOT NULL,
  sample1 INTEGER NOT NULL,
  sample2 INTEGER NOT NULL,
  label0 INTEGER NOT NULL,
  label1 INTEGER NOT NULL,
  label2 INTEGER NOT NULL,
  -- Float64 blobs: origin, u, v (input dimension each), domain polygon and the three
  -- spanning points in plane coordinates.
  origin BLOB NOT NULL,
  u BLOB NOT NULL,
  v BLOB NOT NULL,
  domain BLOB NOT NULL,
  points BLOB NOT NULL,
  PRIMARY KEY (plane_set_id, idx)
);

CREATE TABLE experiments (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  spec TEXT NOT NULL,
  plane_set_id INTEGER REFERENCES plane_sets(id) ON DELETE SET NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX experiments_project ON experiments(project_id);

CREATE TABLE models (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  experiment_id INTEGER REFERENCES experiments(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  family TEXT NOT NULL,
  hidden TEXT NOT NULL,
  input_dim INTEGER NOT NULL,
  class_count INTEGER NOT NULL,
  density REAL NOT NULL,
  hnps INTEGER NOT NULL,
  hnp_level INTEGER,
  seed INTEGER NOT NULL,
  pruning TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  backend TEXT,
  iterations INTEGER NOT NULL DEFAULT 0,
  notes TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX models_project ON models(project_id);
CREATE INDEX models_experiment ON models(experiment_id);

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE
);

CREATE TABLE model_tags (
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  tag_id INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (model_id, tag_id)
);
CREATE INDEX model_tags_tag ON model_tags(tag_id);

-- Weights and biases of all layers concatenated, Float32; masks as one Uint8 per weight
-- (null for a dense network). Layer shapes follow from the model's widths.
CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  iteration INTEGER NOT NULL,
  weights BLOB NOT NULL,
  biases BLOB NOT NULL,
  masks BLOB,
  created_at INTEGER NOT NULL,
  UNIQUE (model_id, iteration)
);

CREATE TABLE metrics (
  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  iteration INTEGER NOT NULL,
  accuracy REAL NOT NULL,
  loss REAL NOT NULL,
  PRIMARY KEY (model_id, iteration)
);

CREATE TABLE measurements (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  plane_set_id INTEGER NOT NULL REFERENCES plane_sets(id) ON DELETE CASCADE,
  plane INTEGER NOT NULL,
  phenomenon TEXT NOT NULL,
  cp REAL NOT NULL,
  scope TEXT NOT NULL,
  s REAL NOT NULL,
  blanket_area REAL NOT NULL,
  domain_area REAL NOT NULL,
  constraints INTEGER NOT NULL,
  coverage REAL NOT NULL,
  PRIMARY KEY (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope)
);
CREATE INDEX measurements_plane_set ON measurements(plane_set_id);

CREATE TABLE region_counts (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  plane_set_id INTEGER NOT NULL REFERENCES plane_sets(id) ON DELETE CASCADE,
  plane INTEGER NOT NULL,
  regions INTEGER NOT NULL,
  domain_area REAL NOT NULL,
  ms REAL NOT NULL,
  PRIMARY KEY (checkpoint_id, plane_set_id, plane)
);
CREATE INDEX region_counts_plane_set ON region_counts(plane_set_id);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('train', 'measure')),
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'paused', 'done', 'failed', 'cancelled')),
  experiment_id INTEGER REFERENCES experiments(id) ON DELETE CASCADE,
  model_id INTEGER REFERENCES models(id) ON DELETE CASCADE,
  label TEXT NOT NULL,
  spec TEXT NOT NULL,
  progress REAL NOT NULL DEFAULT 0,
  iteration INTEGER NOT NULL DEFAULT 0,
  iterations INTEGER NOT NULL DEFAULT 0,
  loss REAL,
  accuracy REAL,
  eta_seconds REAL,
  backend TEXT,
  error TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  resume_state BLOB
);
CREATE INDEX jobs_state ON jobs(state);
CREATE INDEX jobs_experiment ON jobs(experiment_id);
CREATE INDEX jobs_model ON jobs(model_id);

-- Small facts the lab remembers: measured training speed per backend, and so on.
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`;

/**
 * Which training path trained a model or ran a job: 'tfjs' (TensorFlow.js) or 'fused'
 * (src-main/train/fused). Everything trained before this migration was TensorFlow.js.
 * A finished training job also keeps its measured ms per optimiser step.
 */
const trainer = /* sql */ `
ALTER TABLE models ADD COLUMN trainer TEXT CHECK (trainer IN ('tfjs', 'fused'));
ALTER TABLE jobs ADD COLUMN trainer TEXT CHECK (trainer IN ('tfjs', 'fused'));
ALTER TABLE jobs ADD COLUMN ms_per_iteration REAL;
UPDATE models SET trainer = 'tfjs' WHERE backend IS NOT NULL;
UPDATE jobs SET trainer = 'tfjs' WHERE kind = 'train' AND backend IS NOT NULL;
`;

/** Saved compare views (src-main/zoo/views.ts): named per project, at most one default. */
const compareViews = /* sql */ `
CREATE TABLE compare_views (
  id INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  state TEXT NOT NULL,
  is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
);
CREATE UNIQUE INDEX compare_views_default ON compare_views(project_id) WHERE is_default = 1;
`;

/**
 * Stored analyses (issue 11): exact maximal patterns (appendix C.1) per checkpoint,
 * phenomenon, cP and scope, and their s per plane beside the greedy measurements; results
 * of the data analyses (unique patterns, decision trees) per checkpoint and split.
 */
const analyses = /* sql */ `
CREATE TABLE exact_patterns (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  phenomenon TEXT NOT NULL,
  cp REAL NOT NULL,
  scope TEXT NOT NULL,
  -- Int32 scope-local neuron indices in greedy order, and one Uint8 state (1 = on) each.
  neurons BLOB NOT NULL,
  states BLOB NOT NULL,
  constraints INTEGER NOT NULL,
  coverage REAL NOT NULL,
  optimal INTEGER NOT NULL CHECK (optimal IN (0, 1)),
  greedy_constraints INTEGER NOT NULL,
  time_limit REAL NOT NULL,
  ms REAL NOT NULL,
  PRIMARY KEY (checkpoint_id, phenomenon, cp, scope)
);

CREATE TABLE exact_measurements (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  plane_set_id INTEGER NOT NULL REFERENCES plane_sets(id) ON DELETE CASCADE,
  plane INTEGER NOT NULL,
  phenomenon TEXT NOT NULL,
  cp REAL NOT NULL,
  scope TEXT NOT NULL,
  s REAL NOT NULL,
  blanket_area REAL NOT NULL,
  constraints INTEGER NOT NULL,
  coverage REAL NOT NULL,
  optimal INTEGER NOT NULL CHECK (optimal IN (0, 1)),
  PRIMARY KEY (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope)
);
CREATE INDEX exact_measurements_plane_set ON exact_measurements(plane_set_id);

CREATE TABLE analyses (
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  dataset_id TEXT NOT NULL,
  split TEXT NOT NULL CHECK (split IN ('train', 'test')),
  kind TEXT NOT NULL CHECK (kind IN ('patterns', 'tree')),
  -- The analysis' options as canonical JSON (e.g. the tree's scope), part of the key.
  options TEXT NOT NULL,
  result TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (checkpoint_id, dataset_id, split, kind, options)
);
`;

/**
 * Where an imported model came from (issue 12): the file's format (mbh-model JSON or
 * bundle, ONNX, safetensors, a PyTorch state_dict, a tfjs layers model), its name and
 * SHA-256, and what the reader noted (a dropped Softmax, masks, assumed activations).
 */
const modelSources = /* sql */ `
CREATE TABLE model_sources (
  model_id INTEGER PRIMARY KEY REFERENCES models(id) ON DELETE CASCADE,
  format TEXT NOT NULL
    CHECK (format IN ('mbh-model', 'mbh-model-bundle', 'onnx', 'safetensors', 'pytorch', 'tfjs')),
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  notes TEXT NOT NULL DEFAULT '[]',
  imported_at INTEGER NOT NULL
);
`;

/**
 * Where a job ran (issue 9 §2): the name of the remote worker that took its last run,
 * or 'local' for the lab's own worker threads; null until it first runs.
 */
const jobWorker = /* sql */ `
ALTER TABLE jobs ADD COLUMN worker TEXT CHECK (worker IS NULL OR length(worker) BETWEEN 1 AND 64);
`;

/**
 * An experiment being created (issue 7 §3): its models and jobs are written in chunks,
 * with the event loop free between them, while `creating` = 1 hides the experiment and
 * everything under it; a final short transaction sets it to 0. A lab that opens removes
 * the remains of a creation its process did not finish (crash), with their rows.
 */
const experimentCreating = /* sql */ `
ALTER TABLE experiments ADD COLUMN creating INTEGER NOT NULL DEFAULT 0 CHECK (creating IN (0, 1));
CREATE INDEX experiments_creating ON experiments(id) WHERE creating = 1;
`;

/**
 * Training loss over training (issue 10 §1): each evaluation point's mean minibatch loss
 * since the previous point, as the trainer reported it; null where none was recorded
 * (points stored before this migration, imported bundles without it).
 */
const trainLoss = /* sql */ `
ALTER TABLE metrics ADD COLUMN train_loss REAL;
`;

/**
 * Plane rules (issue 10 §4): how a set's three spanning points were chosen — random
 * classes (every set drawn before), given classes or given samples — stored with the set
 * in canonical text (src-shared/model/plane-rule.ts) and part of its key, so sets of the
 * same dataset, count, seed and clip but another rule are different sets. SQLite cannot
 * change a UNIQUE constraint in place: the table is rebuilt (foreign keys off, so that
 * dropping the old table leaves planes, measurements and experiments referencing it by id
 * untouched; ids are copied unchanged).
 */
const planeRules = /* sql */ `
CREATE TABLE plane_sets_rebuilt (
  id INTEGER PRIMARY KEY,
  dataset_id TEXT NOT NULL,
  seed INTEGER NOT NULL,
  count INTEGER NOT NULL,
  clip INTEGER NOT NULL,
  rule TEXT NOT NULL CHECK (
    rule = 'random-classes'
    OR rule GLOB 'classes:[0-9]*,[0-9]*,[0-9]*'
    OR rule GLOB 'samples:[0-9]*,[0-9]*,[0-9]*'
  ),
  created_at INTEGER NOT NULL,
  UNIQUE (dataset_id, count, seed, clip, rule)
);
INSERT INTO plane_sets_rebuilt (id, dataset_id, seed, count, clip, rule, created_at)
  SELECT id, dataset_id, seed, count, clip, 'random-classes', created_at FROM plane_sets;
DROP TABLE plane_sets;
ALTER TABLE plane_sets_rebuilt RENAME TO plane_sets;
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, sql: initial },
  { version: 2, sql: trainer },
  { version: 3, sql: compareViews },
  { version: 4, sql: analyses },
  { version: 5, sql: modelSources },
  { version: 6, sql: jobWorker },
  { version: 7, sql: experimentCreating },
  { version: 8, sql: trainLoss },
  { version: 9, sql: planeRules, foreignKeysOff: true },
];
