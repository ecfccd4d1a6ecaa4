import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { Random } from '../../src-shared/model/random.ts';
import { decodeBlob, encodeBlob } from '../../src-main/jobs/blob-codec.ts';
import {
  exportModelBundle,
  exportProjectBundle,
  parseModelBundle,
  parseProjectBundle,
  storeModelBundle,
  storeProjectBundle,
} from '../../src-main/lab/bundles.ts';
import { packNetwork } from '../../src-main/zoo/checkpoints.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

const TABLES = [
  'projects',
  'experiments',
  'models',
  'tags',
  'model_tags',
  'checkpoints',
  'metrics',
  'plane_sets',
  'planes',
  'measurements',
  'region_counts',
  'jobs',
];

let dir: string;
let zoo: Zoo;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-store-'));
  zoo = Zoo.open(join(dir, 'zoo.sqlite'));
});
afterEach(() => {
  zoo.close();
  rmSync(dir, { recursive: true, force: true });
});

function counts(): Record<string, number> {
  return Object.fromEntries(
    TABLES.map((table) => [
      table,
      (zoo.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n,
    ]),
  );
}

/** A random sparse network with widths 3 → 5 → 4 → 2 (Float32-representable numbers). */
function network(seed: number): Network {
  const random = Random.create(seed);
  const widths = [3, 5, 4, 2];
  return {
    inputDim: 3,
    layers: widths.slice(1).map((outDim, index) => {
      const inDim = widths[index];
      const hidden = index < widths.length - 2;
      const mask = hidden
        ? random.subsetMask(inDim * outDim, Math.ceil(inDim * outDim * 0.6))
        : undefined;
      const weights = Float64Array.from({ length: inDim * outDim }, (_, k) =>
        mask && mask[k] === 0 ? 0 : Math.fround(random.nextNormal()),
      );
      return {
        inDim,
        outDim,
        weights,
        bias: Float64Array.from({ length: outDim }, () => Math.fround(random.nextNormal() * 1e-6)),
        ...(mask ? { mask } : {}),
        activation: hidden ? ('relu' as const) : ('linear' as const),
      };
    }),
  };
}

const spec: ExperimentSpec = {
  name: 'e',
  family: 'custom',
  hiddenNeurons: [9],
  customWidths: [[5, 4]],
  seeds: [1],
  datasets: ['toy'],
  iterations: 10,
  checkpoints: 'default',
  pruning: { kind: 'random' },
  planeCount: 1,
  planeSeed: 0,
  cps: [0.8],
  scope: 'last',
};

/** A project with an experiment, a trained and measured model, tags and jobs. */
function populate(name = 'p'): { projectId: number; experimentId: number; modelId: number } {
  return zoo.transaction(() => {
    const projectId = zoo.projects.create(name);
    const planeSetId =
      zoo.planeSets.findByKey({
        datasetId: 'toy',
        count: 1,
        seed: 0,
        clip: false,
        rule: 'random-classes',
      }) ??
      zoo.planeSets.create(
        { datasetId: 'toy', count: 1, seed: 0, clip: false, rule: 'random-classes' },
        [
          {
            index: 0,
            sampleIndices: [0, 1, 2],
            labels: [0, 1, 0],
            origin: new Float64Array(3),
            u: new Float64Array([1, 0, 0]),
            v: new Float64Array([0, 1, 0]),
            domain: new Float64Array([-1, -1, 1, -1, 1, 1, -1, 1]),
            points: new Float64Array(6),
          },
        ],
      );
    const experimentId = zoo.experiments.create(projectId, spec, planeSetId);
    const modelId = zoo.models.create({
      projectId,
      experimentId,
      name: 'm',
      family: 'custom',
      hidden: [5, 4],
      inputDim: 3,
      classCount: 2,
      density: 0.6,
      hnps: 30,
      hnpLevel: null,
      seed: 1,
      pruning: { kind: 'random' },
      datasetId: 'toy',
      backend: 'cpu',
      iterations: 10,
      notes: 'n',
      createdAt: 5,
    });
    zoo.models.setTags(modelId, ['sparse', `tag-${name}`]);
    for (const iteration of [0, 10]) {
      const checkpointId = zoo.checkpoints.put(modelId, iteration, packNetwork(network(iteration)));
      zoo.checkpoints.putMetric(modelId, { iteration, accuracy: 0.5, loss: 0.7 });
      zoo.measurements.put([
        {
          checkpointId,
          planeSetId,
          plane: 0,
          phenomenon: 'a',
          cp: 0.8,
          scope: 'last',
          s: 0.25,
          blanketArea: 3,
          domainArea: 4,
          constraints: 2,
          coverage: 0.9,
        },
      ]);
      zoo.measurements.putRegionCounts([
        { checkpointId, planeSetId, plane: 0, regions: 7, domainArea: 4, ms: 1 },
      ]);
    }
    zoo.jobs.create({ kind: 'train', experimentId, modelId, label: 't', spec: {}, iterations: 10 });
    zoo.jobs.create({
      kind: 'measure',
      experimentId,
      modelId,
      label: 'm',
      spec: {},
      iterations: 1,
    });
    return { projectId, experimentId, modelId };
  });
}

describe('zoo store', () => {
  it('leaves no orphans when a project, an experiment or a model is deleted', () => {
    const empty = counts();
    const first = populate('a');
    populate('b');
    const both = counts();
    zoo.models.delete(first.modelId);
    const afterModel = counts();
    expect(afterModel.checkpoints).toBe(both.checkpoints - 2);
    expect(afterModel.measurements).toBe(both.measurements - 2);
    expect(afterModel.jobs).toBe(both.jobs - 2);
    expect(afterModel.tags).toBe(both.tags - 1); // 'tag-a' had no other model
    zoo.experiments.delete(first.experimentId);
    zoo.projects.delete(first.projectId);
    const second = zoo.projects.list()[0];
    zoo.projects.delete(second.id);
    zoo.models.dropUnusedTags();
    const after = counts();
    // Plane sets are shared across projects: they stay; everything else is gone.
    expect({ ...after, plane_sets: 0, planes: 0 }).toEqual({ ...empty, plane_sets: 0, planes: 0 });
    expect(zoo.db.pragma('foreign_key_check')).toEqual([]);
  });

  it('writes checkpoints, metrics and measurements idempotently', () => {
    const { modelId } = populate();
    const before = counts();
    const checkpointId = zoo.checkpoints.put(modelId, 10, packNetwork(network(99)));
    zoo.checkpoints.putMetric(modelId, { iteration: 10, accuracy: 0.9, loss: 0.1 });
    expect(counts()).toEqual(before);
    expect(zoo.checkpoints.list(modelId).find((c) => c.iteration === 10)).toMatchObject({
      id: checkpointId,
      accuracy: 0.9,
    });
  });

  it('round-trips a model bundle bit-exactly', () => {
    const { modelId } = populate();
    const bundle = JSON.parse(JSON.stringify(exportModelBundle(zoo, modelId))) as unknown;
    const projectId = zoo.projects.create('import');
    const copyId = zoo.transaction(() =>
      storeModelBundle(zoo, parseModelBundle(bundle), projectId, null),
    );
    const original = zoo.checkpoints.all(modelId);
    const copy = zoo.checkpoints.all(copyId);
    expect(copy.map((c) => c.iteration)).toEqual(original.map((c) => c.iteration));
    original.forEach((checkpoint, index) => {
      const other = copy[index];
      expect(Buffer.from(other.weights.buffer).equals(Buffer.from(checkpoint.weights.buffer))).toBe(
        true,
      );
      expect(Buffer.from(other.biases.buffer).equals(Buffer.from(checkpoint.biases.buffer))).toBe(
        true,
      );
      expect(Buffer.from(other.masks!.buffer).equals(Buffer.from(checkpoint.masks!.buffer))).toBe(
        true,
      );
    });
    expect(zoo.checkpoints.metrics(copyId)).toEqual(zoo.checkpoints.metrics(modelId));
    const copied = zoo.models.get(copyId);
    expect(copied).toMatchObject({
      name: 'm',
      hidden: [5, 4],
      density: 0.6,
      tags: ['sparse', 'tag-p'],
    });
  });

  it('imports nothing when any part of a bundle is bad', () => {
    const { projectId } = populate();
    const bundle = JSON.parse(JSON.stringify(exportProjectBundle(zoo, projectId))) as {
      models: { bundle: { checkpoints: { model: { layers: { bias: number[] }[] } }[] } }[];
    };
    const before = counts();
    // The last checkpoint of the last model has a bias too short for its layer.
    const checkpoints = bundle.models[0].bundle.checkpoints;
    checkpoints[checkpoints.length - 1].model.layers[1].bias.pop();
    expect(() => parseProjectBundle(bundle)).toThrow(/checkpoints\[1\]\.model/);
    // Even a failure while writing (after validation) leaves nothing behind.
    const good = parseProjectBundle(
      JSON.parse(JSON.stringify(exportProjectBundle(zoo, projectId))),
    );
    good.models[0].parsed.metadata.datasetId = null as unknown as string; // NOT NULL violation
    expect(() => zoo.transaction(() => storeProjectBundle(zoo, good))).toThrow();
    expect(counts()).toEqual(before);
  });

  it('round-trips a project bundle', () => {
    const { projectId } = populate();
    const bundle = JSON.parse(JSON.stringify(exportProjectBundle(zoo, projectId))) as unknown;
    const copy = zoo.transaction(() => storeProjectBundle(zoo, parseProjectBundle(bundle)));
    expect(zoo.projects.get(copy)).toMatchObject({ name: 'p', experimentCount: 1, modelCount: 1 });
    const [experiment] = zoo.experiments.list(copy);
    expect(experiment.spec).toEqual(spec);
    expect(zoo.models.list({ projectId: copy })[0].experimentId).toBe(experiment.id);
  });

  it('stores resume states with typed arrays bit-exactly', () => {
    const state = {
      step: 3,
      layers: [{ weights: new Float32Array([1.5, -0, 3e-38]), mask: new Uint8Array([1, 0, 1]) }],
      moments: [new Float64Array([Math.PI]), new Int32Array([-7])],
      lossSum: Number.NaN,
      nothing: null,
    };
    const back = decodeBlob<typeof state>(encodeBlob(state));
    expect(back.layers[0].weights).toEqual(state.layers[0].weights);
    expect(Object.is(back.layers[0].weights[1], -0)).toBe(true);
    expect(back.layers[0].mask).toEqual(state.layers[0].mask);
    expect(back.moments[0]).toBeInstanceOf(Float64Array);
    expect(back.moments[1][0]).toBe(-7);
    expect(back.lossSum).toBeNaN();
    expect(back.nothing).toBeNull();
  });
});

describe('project bundles with plane sets and results', () => {
  /** Every row of a table as plain values (blobs as hex), ids of the zoo left out. */
  function rows(target: Zoo, sql: string): unknown[] {
    return (target.db.prepare(sql).all() as Record<string, unknown>[]).map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [
          key,
          Buffer.isBuffer(value) ? value.toString('hex') : value,
        ]),
      ),
    );
  }
  const PLANES = `SELECT ps.dataset_id, ps.seed, ps.count, ps.clip, ps.created_at, p.idx, p.sample0,
      p.sample1, p.sample2, p.label0, p.label1, p.label2, p.origin, p.u, p.v, p.domain, p.points
    FROM planes p JOIN plane_sets ps ON ps.id = p.plane_set_id ORDER BY ps.dataset_id, p.idx`;
  const MEASUREMENTS = `SELECT c.iteration, ps.dataset_id, m.plane, m.phenomenon, m.cp, m.scope, m.s,
      m.blanket_area, m.domain_area, m.constraints, m.coverage
    FROM measurements m JOIN checkpoints c ON c.id = m.checkpoint_id
      JOIN plane_sets ps ON ps.id = m.plane_set_id
    WHERE c.model_id IN (SELECT id FROM models WHERE project_id = ?)
    ORDER BY c.iteration, m.plane, m.scope, m.phenomenon, m.cp`;
  const REGIONS = `SELECT c.iteration, ps.dataset_id, r.plane, r.regions, r.domain_area, r.ms
    FROM region_counts r JOIN checkpoints c ON c.id = r.checkpoint_id
      JOIN plane_sets ps ON ps.id = r.plane_set_id
    WHERE c.model_id IN (SELECT id FROM models WHERE project_id = ?)
    ORDER BY c.iteration, r.plane`;
  const results = (target: Zoo, projectId: number) => ({
    measurements: (target.db.prepare(MEASUREMENTS).all(projectId) as unknown[]).length,
    rows: [
      rows(target, PLANES),
      target.db.prepare(MEASUREMENTS).all(projectId),
      target.db.prepare(REGIONS).all(projectId),
    ],
  });

  /** A second plane set with awkward numbers (−0, thirds, subnormals) and many results. */
  function populateRich(): number {
    const { projectId, modelId } = populate();
    return zoo.transaction(() => {
      const planeSetId = zoo.planeSets.create(
        { datasetId: 'toy', count: 2, seed: 7, clip: true, rule: 'random-classes' },
        [0, 1].map((index) => ({
          index,
          sampleIndices: [index, 5, 9] as [number, number, number],
          labels: [1, 0, index] as [number, number, number],
          origin: new Float64Array([-0, 1 / 3, 5e-324]),
          u: new Float64Array([Math.SQRT1_2, -Math.SQRT1_2, -0]),
          v: new Float64Array([0.1 + 0.2, 0, -1e300]),
          domain: new Float64Array([-1.2, -1.2, 1.2, -1.2, 1.2, 1.2, -1 / 7, 1.2]),
          points: new Float64Array([0, 0, 1 / 3, 0, 0, 2 / 3]),
        })),
      );
      for (const checkpoint of zoo.checkpoints.list(modelId)) {
        for (const plane of [0, 1]) {
          for (const scope of ['last', 'all'])
            for (const phenomenon of ['a', 'b'])
              zoo.measurements.put(
                [0.8, 0.995, 1].map((cp) => ({
                  checkpointId: checkpoint.id,
                  planeSetId,
                  plane,
                  phenomenon,
                  cp,
                  scope,
                  s: 1 - (1 / 3) * cp,
                  blanketArea: Math.PI * cp,
                  domainArea: 5.76,
                  constraints: 3,
                  coverage: cp + 1e-9 <= 1 ? cp : 1,
                })),
              );
          zoo.measurements.putRegionCounts([
            {
              checkpointId: checkpoint.id,
              planeSetId,
              plane,
              regions: 11 + plane,
              domainArea: 5.76,
              ms: 0.123,
            },
          ]);
        }
      }
      return projectId;
    });
  }

  it('round-trips plane sets, measurements and region counts bit-exactly into another zoo', () => {
    const projectId = populateRich();
    const text = JSON.stringify(exportProjectBundle(zoo, projectId));
    const bundle = JSON.parse(text) as { planeSets: unknown[] };
    expect(bundle.planeSets).toHaveLength(2);
    const other = Zoo.open(join(dir, 'other.sqlite'));
    try {
      const copy = other.transaction(() =>
        storeProjectBundle(other, parseProjectBundle(JSON.parse(text))),
      );
      const original = results(zoo, projectId);
      expect(original.measurements).toBe(2 * (1 + 2 * 2 * 2 * 3));
      expect(results(other, copy)).toEqual(original);
      // −0 and subnormals survive (the vectors travel as Float64 bytes).
      const [plane] = other.planeSets.get(other.planeSets.list()[1].id).planes;
      expect(Object.is(plane.origin[0], -0)).toBe(true);
      expect(plane.origin[2]).toBe(5e-324);
      const [experiment] = other.experiments.list(copy);
      expect(other.planeSets.get(experiment.planeSetId!)).toMatchObject({ seed: 0, clip: false });
      // Exporting the copy gives the same bundle, but for the zoo's own ids.
      const again = JSON.stringify(exportProjectBundle(other, copy));
      const strip = (json: string) =>
        json.replace(/"(ref|planeSetRef|experimentRef)":\d+/g, '"$1":0');
      expect(strip(again)).toEqual(strip(text));
    } finally {
      other.close();
    }
  });

  it('reuses an identical plane set of the same zoo', () => {
    const projectId = populateRich();
    const before = counts();
    const bundle = JSON.parse(JSON.stringify(exportProjectBundle(zoo, projectId))) as unknown;
    const copy = zoo.transaction(() => storeProjectBundle(zoo, parseProjectBundle(bundle)));
    const after = counts();
    expect(after.plane_sets).toBe(before.plane_sets);
    expect(after.measurements).toBe(2 * before.measurements);
    expect(after.region_counts).toBe(2 * before.region_counts);
    expect(results(zoo, copy).rows.slice(1)).toEqual(results(zoo, projectId).rows.slice(1));
  });

  it('refuses bad plane sets and results, naming the place, and writes nothing', () => {
    const projectId = populateRich();
    const fresh = () =>
      JSON.parse(JSON.stringify(exportProjectBundle(zoo, projectId))) as {
        planeSets: { ref: number; planes: { u: string; index: number }[] }[];
        models: {
          measurements: { planeSetRef: number; plane: number; iteration: number }[];
          regionCounts: { plane: number }[];
        }[];
      };
    const before = counts();
    let bundle = fresh();
    bundle.planeSets[1].planes[0].u = Buffer.from(new Float64Array([1, 0]).buffer).toString(
      'base64',
    );
    expect(() => parseProjectBundle(bundle)).toThrow(
      "project.planeSets[1].planes[0].u: has 2 values, the plane set's input dimension is 3",
    );
    bundle = fresh();
    bundle.planeSets[1].planes[1].index = 0;
    expect(() => parseProjectBundle(bundle)).toThrow(/project\.planeSets\[1\]\.planes\[1\]\.index/);
    bundle = fresh();
    bundle.models[0].measurements[3].planeSetRef = 999;
    expect(() => parseProjectBundle(bundle)).toThrow(
      'project.models[0].measurements[3].planeSetRef: names no plane set of the bundle (999)',
    );
    bundle = fresh();
    bundle.models[0].measurements[3].iteration = 5;
    expect(() => parseProjectBundle(bundle)).toThrow(/measurements\[3\]\.iteration/);
    bundle = fresh();
    bundle.models[0].regionCounts[1].plane = 2;
    expect(() => parseProjectBundle(bundle)).toThrow(
      /project\.models\[0\]\.regionCounts\[1\]\.plane: must be below 2, got 2/,
    );
    bundle = fresh();
    bundle.models[0].measurements[1] = { ...bundle.models[0].measurements[0] };
    expect(() => parseProjectBundle(bundle)).toThrow(/repeats the measurement/);
    expect(counts()).toEqual(before);

    // A plane set of the same key but other planes in the target zoo: refused, in the
    // transaction, so the project, models and results written before it are rolled back.
    const other = Zoo.open(join(dir, 'other.sqlite'));
    try {
      const parsed = parseProjectBundle(fresh());
      other.transaction(() =>
        other.planeSets.create(parsed.planeSets[1].key, [
          { ...parsed.planeSets[1].planes[0], index: 0 },
          { ...parsed.planeSets[1].planes[0], index: 1 },
        ]),
      );
      const empty = (other.db.prepare('SELECT count(*) AS n FROM projects').get() as { n: number })
        .n;
      expect(() => other.transaction(() => storeProjectBundle(other, parsed))).toThrow(
        /project\.planeSets\[1\]: plane set .* exists in this zoo \(id 1\) with other planes/,
      );
      expect(
        (other.db.prepare('SELECT count(*) AS n FROM projects').get() as { n: number }).n,
      ).toBe(empty);
      expect(
        (other.db.prepare('SELECT count(*) AS n FROM plane_sets').get() as { n: number }).n,
      ).toBe(1);
    } finally {
      other.close();
    }
  });

  it('still imports a bundle written before plane sets were included', () => {
    const { projectId } = populate();
    const bundle = JSON.parse(JSON.stringify(exportProjectBundle(zoo, projectId))) as {
      planeSets?: unknown;
      experiments: { planeSetRef?: unknown }[];
      models: { measurements?: unknown; regionCounts?: unknown }[];
    };
    delete bundle.planeSets;
    for (const experiment of bundle.experiments) delete experiment.planeSetRef;
    for (const model of bundle.models) {
      delete model.measurements;
      delete model.regionCounts;
    }
    const copy = zoo.transaction(() => storeProjectBundle(zoo, parseProjectBundle(bundle)));
    expect(zoo.models.list({ projectId: copy })).toHaveLength(1);
  });
});
