/**
 * A saved view of the compare view: the figure and its settings, the filter, the
 * grouping, picked runs and baseline, and the table's columns. Stored in the zoo as
 * JSON, validated here on the way in and on the way out (a view saved by an older lab
 * gets today's defaults for what it lacks).
 */
import {
  array,
  boolean,
  id,
  integer,
  number,
  object,
  oneOf,
  string,
  withDefault,
  type Infer,
  type Schema,
} from './validate.ts';

export const CURVE_METRICS = ['val-accuracy', 'val-loss', 'train-loss', 's', 'regions'] as const;
export const GROUP_KEYS = [
  'run',
  'replicates',
  'family',
  'architecture',
  'hiddenNeurons',
  'density',
  'hnpLevel',
  'dataset',
  'pruning',
  'seed',
  'experiment',
] as const;
export const COMPARE_FIGURES = [
  'curves',
  'parallel',
  'acc-density',
  'acc-neurons',
  'regions-density',
  's-density',
  's-neurons',
  'acc-s',
  's-cp',
  'training',
  'family-s',
  'family-regions',
] as const;

const cp = () => number({ above: 0, max: 1 });

/** An id, or null when absent. */
function nullableId(): Schema<number | null> {
  return {
    optional: true,
    parse(value, path = 'value') {
      return value === undefined || value === null ? null : id().parse(value, path);
    },
  };
}

/** One of `choices`, `fallback` when absent (typed as the choices, not widened to string). */
function choice<const T extends readonly string[]>(choices: T, fallback: T[number]) {
  return withDefault<T[number]>(oneOf(choices), fallback);
}

const curvesSchema = object({
  metric: choice(CURVE_METRICS, 'val-accuracy'),
  logX: withDefault(boolean(), false),
  logY: withDefault(boolean(), false),
  smoothing: withDefault(number({ min: 0, max: 0.99 }), 0.6),
  groupBy: choice(GROUP_KEYS, 'replicates'),
  band: choice(['std', 'minmax'] as const, 'std'),
});

const figuresSchema = object({
  logX: withDefault(boolean(), false),
  showAll: withDefault(boolean(), false),
  trainingMetric: choice(['accuracy', 's', 'regions'] as const, 's'),
});

const columnSchema = object({
  metric: oneOf(CURVE_METRICS),
  mode: oneOf(['last', 'best', 'at'] as const),
});

export const compareViewStateSchema = object({
  figure: choice(COMPARE_FIGURES, 'curves'),
  /** Limits the runs to one experiment of the project; null for the whole project. */
  experimentId: nullableId(),
  filter: withDefault(string({ max: 1_000, trim: false }), ''),
  curves: withDefault<Infer<typeof curvesSchema>>(curvesSchema, {
    metric: 'val-accuracy',
    logX: false,
    logY: false,
    smoothing: 0.6,
    groupBy: 'replicates',
    band: 'std',
  }),
  figures: withDefault<Infer<typeof figuresSchema>>(figuresSchema, {
    logX: false,
    showAll: false,
    trainingMetric: 's',
  }),
  cp: withDefault(cp(), 0.8),
  picked: withDefault(array(id(), { max: 1_000, unique: true }), []),
  baseline: nullableId(),
  columns: withDefault<Infer<typeof columnSchema>[]>(array(columnSchema, { max: 20 }), [
    { metric: 'val-accuracy', mode: 'last' },
    { metric: 'val-loss', mode: 'last' },
    { metric: 'regions', mode: 'last' },
    { metric: 's', mode: 'last' },
  ]),
  at: withDefault(integer({ min: 0 }), 0),
  sortKey: withDefault(
    string({
      pattern: /^(name|architecture|density|hnps|seed|dataset|pruning|regionDensity|metric:\d+)$/,
      patternHint: 'must be a column of the run table',
    }),
    'architecture',
  ),
  descending: withDefault(boolean(), true),
  diffOnly: withDefault(boolean(), false),
  pickedOnly: withDefault(boolean(), false),
});

export type CompareViewState = Infer<typeof compareViewStateSchema>;

export interface CompareViewSummary {
  id: number;
  projectId: number;
  name: string;
  /** The view Compare opens with for this project (at most one per project). */
  isDefault: boolean;
  state: CompareViewState;
  updatedAt: number;
}
