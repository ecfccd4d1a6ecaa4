/**
 * Migration 9 (issue 10 §4): plane_sets is rebuilt with a `rule` column in its UNIQUE key.
 * On a zoo made at schema 8 with two plane sets, their planes, an experiment, measurements,
 * region counts and exact results referencing them, every row and reference survives
 * (ids unchanged, old sets marked 'random-classes'), the integrity and foreign-key checks
 * are clean, the references still cascade to the rebuilt table, and the key now tells two
 * rules apart. The runner turns foreign keys off only around such a migration and rolls it
 * back, naming the broken reference, when it would leave a row without its parent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, schemaVersion, type Db } from '../../src-main/zoo/database.ts';
import { MIGRATIONS } from '../../src-main/zoo/migrations.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-migration-9-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const TABLES = [
  'projects',
  'plane_sets',
  'planes',
  'experiments',
  'models',
  'checkpoints',
  'measurements',
  'region_counts',
  'exact_measurements',
  'jobs',
];

const blob = (values: number[]) => Buffer.from(new Float64Array(values).buffer);

/** A zoo at schema 8 holding everything that references plane sets, written as v8 SQL. */
function zooAtVersion8(file: string): void {
  const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 8) });
  expect(schemaVersion(db)).toBe(8);
  db.exec(`
    INSERT INTO projects (id, name, created_at) VALUES (1, 'p', 1);
    INSERT INTO plane_sets (id, dataset_id, seed, count, clip, created_at)
      VALUES (3, 'mnist', 0, 2, 0, 10), (7, 'mnist', 5, 1, 1, 11);
    INSERT INTO experiments (id, project_id, name, spec, plane_set_id, created_at)
      VALUES (1, 1, 'e', '{}', 3, 12), (2, 1, 'f', '{}', 7, 13);
    INSERT INTO models (id, project_id, experiment_id, name, family, hidden, input_dim,
        class_count, density, hnps, seed, pruning, dataset_id, created_at)
      VALUES (1, 1, 1, 'm', 'custom', '[2]', 784, 10, 1, 2, 0, '{"kind":"random"}', 'mnist', 14);
    INSERT INTO checkpoints (id, model_id, iteration, weights, biases, created_at)
      VALUES (1, 1, 100, x'00', x'00', 15), (2, 1, 200, x'01', x'01', 16);
    INSERT INTO jobs (id, kind, state, model_id, label, spec, created_at)
      VALUES (1, 'measure', 'done', 1, 'measure m', '{"planeSetId":3}', 17);
  `);
  const plane = db.prepare(
    `INSERT INTO planes (plane_set_id, idx, sample0, sample1, sample2, label0, label1, label2,
       origin, u, v, domain, points) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  plane.run(
    3,
    0,
    11,
    22,
    33,
    0,
    1,
    9,
    blob([1, 2]),
    blob([3, 4]),
    blob([5, 6]),
    blob([0, 0, 1, 0, 0, 1]),
    blob([0, 0, 1, 0, 0, 1]),
  );
  plane.run(
    3,
    1,
    44,
    55,
    66,
    6,
    8,
    0,
    blob([-0, 1 / 3]),
    blob([5e-324, 1]),
    blob([2, 7]),
    blob([0, 0, 2, 0, 0, 2]),
    blob([0, 0, 2, 0, 0, 2]),
  );
  plane.run(
    7,
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    blob([9, 9]),
    blob([1, 0]),
    blob([0, 1]),
    blob([0, 0, 3, 0, 0, 3]),
    blob([0, 0, 3, 0, 0, 3]),
  );
  const measurement = db.prepare(
    `INSERT INTO measurements (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope, s,
       blanket_area, domain_area, constraints, coverage) VALUES (?, ?, ?, ?, ?, 'last', ?, 1, 4, 3, 0.9)`,
  );
  const exact = db.prepare(
    `INSERT INTO exact_measurements (checkpoint_id, plane_set_id, plane, phenomenon, cp, scope, s,
       blanket_area, constraints, coverage, optimal) VALUES (?, ?, ?, ?, ?, 'last', ?, 1, 4, 0.9, 1)`,
  );
  const regions = db.prepare(
    `INSERT INTO region_counts (checkpoint_id, plane_set_id, plane, regions, domain_area, ms)
       VALUES (?, ?, ?, ?, 4, 1.5)`,
  );
  for (const checkpoint of [1, 2]) {
    for (const [set, planes] of [
      [3, [0, 1]],
      [7, [0]],
    ] as const) {
      for (const index of planes) {
        regions.run(checkpoint, set, index, 10 * checkpoint + index);
        for (const phenomenon of ['0', '9']) {
          for (const cp of [0.8, 1]) {
            measurement.run(checkpoint, set, index, phenomenon, cp, cp / (checkpoint + index));
            exact.run(checkpoint, set, index, phenomenon, cp, cp / (checkpoint + index + 1));
          }
        }
      }
    }
  }
  db.close();
}

function rows(db: Db, table: string): Record<string, unknown>[] {
  return db.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];
}

function count(db: Db, table: string, where = '1'): number {
  return (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
}

describe('migration 9: the plane rule stored with plane sets', () => {
  it('keeps every row and reference of a schema-8 zoo, the old sets marked random-classes', () => {
    const file = join(dir, 'zoo.sqlite');
    zooAtVersion8(file);
    const old = openDatabase(file, { migrations: MIGRATIONS.slice(0, 8) });
    const before = Object.fromEntries(TABLES.map((table) => [table, rows(old, table)]));
    old.close();
    expect(before.measurements).toHaveLength(24);
    expect(before.exact_measurements).toHaveLength(24);

    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(9);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    for (const table of TABLES) {
      if (table === 'plane_sets') continue;
      expect(rows(db, table), table).toEqual(before[table]);
    }
    expect(rows(db, 'plane_sets')).toEqual(
      before.plane_sets.map((row) => ({ ...row, rule: 'random-classes' })),
    );
    // Every referencing table still points at plane_sets (not at a table renamed away).
    for (const table of [
      'planes',
      'experiments',
      'measurements',
      'region_counts',
      'exact_measurements',
    ]) {
      const keys = db.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[];
      expect(keys.find((key) => key.from === 'plane_set_id')?.table, table).toBe('plane_sets');
    }
    db.close();
  });

  it('keeps the references live: deleting a set cascades and sets experiments to none', () => {
    const file = join(dir, 'zoo.sqlite');
    zooAtVersion8(file);
    const db = openDatabase(file);
    db.prepare('DELETE FROM plane_sets WHERE id = 3').run();
    for (const table of ['planes', 'measurements', 'region_counts', 'exact_measurements']) {
      expect(count(db, table, 'plane_set_id = 3'), table).toBe(0);
      expect(count(db, table, 'plane_set_id = 7'), table).toBeGreaterThan(0);
    }
    expect(db.prepare('SELECT id, plane_set_id FROM experiments ORDER BY id').all()).toEqual([
      { id: 1, plane_set_id: null },
      { id: 2, plane_set_id: 7 },
    ]);
    db.close();
  });

  it('tells two rules apart under one dataset, count, seed and clip, and refuses a repeat', () => {
    const file = join(dir, 'zoo.sqlite');
    zooAtVersion8(file);
    const zoo = Zoo.open(file);
    const plane = zoo.planeSets.get(3).planes[0];
    const key = { datasetId: 'mnist', count: 1, seed: 5, clip: true };
    expect(zoo.planeSets.findByKey({ ...key, rule: 'random-classes' })).toBe(7);
    expect(zoo.planeSets.findByKey({ ...key, rule: 'classes:0,1,9' })).toBeNull();
    const id = zoo.transaction(() =>
      zoo.planeSets.create({ ...key, rule: 'classes:0,1,9' }, [{ ...plane, index: 0 }]),
    );
    expect(id).not.toBe(7);
    expect(zoo.planeSets.findByKey({ ...key, rule: 'classes:0,1,9' })).toBe(id);
    expect(zoo.planeSets.get(id).rule).toBe('classes:0,1,9');
    expect(zoo.planeSets.get(7).rule).toBe('random-classes');
    expect(() =>
      zoo.transaction(() =>
        zoo.planeSets.create({ ...key, rule: 'classes:0,1,9' }, [{ ...plane, index: 0 }]),
      ),
    ).toThrow(
      /UNIQUE constraint failed: plane_sets\.dataset_id, plane_sets\.count, plane_sets\.seed, plane_sets\.clip, plane_sets\.rule/,
    );
    expect(() =>
      zoo.transaction(() =>
        zoo.planeSets.create({ ...key, seed: 6, rule: 'classes 0 1 9' }, [{ ...plane, index: 0 }]),
      ),
    ).toThrow(/CHECK constraint failed/);
    zoo.close();
  });

  it('rolls back a migration run with foreign keys off that would orphan rows, naming them', () => {
    const file = join(dir, 'zoo.sqlite');
    zooAtVersion8(file);
    openDatabase(file).close();
    // With foreign keys off, deleting a referenced set does not cascade: a dangling reference.
    const orphaning = [
      ...MIGRATIONS,
      { version: 10, sql: 'DELETE FROM plane_sets WHERE id = 7', foreignKeysOff: true },
    ];
    let message = '';
    try {
      openDatabase(file, { migrations: orphaning }).close();
    } catch (error) {
      message = (error as Error).message;
    }
    // 1 plane, 1 experiment, 2 region counts, 8 measurements and 8 exact results of set 7.
    expect(message.startsWith(`${file}: zoo migration 10 would leave 20 rows referencing`)).toBe(
      true,
    );
    expect(message).toMatch(
      /missing ones \(first: (planes|experiments|measurements|region_counts|exact_measurements) row \d+ → plane_sets\); it was rolled back and the zoo is still at schema 9$/,
    );
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(9);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(count(db, 'plane_sets', 'id = 7')).toBe(1);
    expect(count(db, 'planes', 'plane_set_id = 7')).toBe(1);
    db.close();
  });

  it('keeps foreign keys on for an ordinary migration (its deletes cascade as always)', () => {
    const file = join(dir, 'zoo.sqlite');
    zooAtVersion8(file);
    openDatabase(file).close();
    const cascading = [...MIGRATIONS, { version: 10, sql: 'DELETE FROM plane_sets WHERE id = 7' }];
    const db = openDatabase(file, { migrations: cascading });
    expect(schemaVersion(db)).toBe(10);
    expect(count(db, 'planes', 'plane_set_id = 7')).toBe(0);
    expect(count(db, 'measurements', 'plane_set_id = 7')).toBe(0);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
