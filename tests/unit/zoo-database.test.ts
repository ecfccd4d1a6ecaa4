import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APPLICATION_ID,
  openDatabase,
  schemaVersion,
  ZooError,
} from '../../src-main/zoo/database.ts';
import { MIGRATIONS } from '../../src-main/zoo/migrations.ts';
import { defaultHome, labPaths } from '../../src-main/zoo/home.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mbh-zoo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('zoo database', () => {
  it('creates a new zoo at the latest version in WAL mode with foreign keys on', () => {
    const db = openDatabase(join(dir, 'sub', 'zoo.sqlite'));
    expect(schemaVersion(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    db.close();
  });

  it('migrates an older zoo and keeps its rows', () => {
    const file = join(dir, 'zoo.sqlite');
    const v1 = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
    v1.prepare("INSERT INTO projects (name, created_at) VALUES ('kept', 1)").run();
    v1.close();
    const v2 = [
      ...MIGRATIONS.slice(0, 1),
      { version: 2, sql: "ALTER TABLE projects ADD COLUMN colour TEXT NOT NULL DEFAULT 'blue'" },
    ];
    const db = openDatabase(file, { migrations: v2 });
    expect(schemaVersion(db)).toBe(2);
    expect(db.prepare('SELECT name, colour FROM projects').get()).toEqual({
      name: 'kept',
      colour: 'blue',
    });
    db.close();
  });

  it('leaves a zoo at its old version when a migration fails', () => {
    const file = join(dir, 'zoo.sqlite');
    openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) }).close();
    const broken = [...MIGRATIONS.slice(0, 1), { version: 2, sql: 'ALTER TABLE nowhere ADD x' }];
    expect(() => openDatabase(file, { migrations: broken })).toThrow(/nowhere/);
    const db = openDatabase(file, { migrations: MIGRATIONS.slice(0, 1) });
    expect(schemaVersion(db)).toBe(1);
    db.close();
  });

  it('refuses a zoo written by a newer lab and does not touch it', () => {
    const file = join(dir, 'zoo.sqlite');
    const newer = [
      ...MIGRATIONS,
      { version: MIGRATIONS.length + 1, sql: 'CREATE TABLE later (x)' },
    ];
    openDatabase(file, { migrations: newer }).close();
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(ZooError);
    expect(() => openDatabase(file)).toThrow(/newer MBH Lab/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a file that is not SQLite and does not touch it', () => {
    const file = join(dir, 'zoo.sqlite');
    const junk = Buffer.from('this is a shopping list, not a database\n'.repeat(100));
    writeFileSync(file, junk);
    expect(() => openDatabase(file)).toThrow(/not a SQLite database/);
    expect(readFileSync(file).equals(junk)).toBe(true);
  });

  it('refuses a corrupt SQLite file and does not touch it', () => {
    const file = join(dir, 'zoo.sqlite');
    const corrupt = Buffer.alloc(8192, 0xa5);
    corrupt.write('SQLite format 3\u0000', 0, 'latin1');
    writeFileSync(file, corrupt);
    expect(() => openDatabase(file)).toThrow(ZooError);
    expect(readFileSync(file).equals(corrupt)).toBe(true);
  });

  it("refuses another application's SQLite database", () => {
    const file = join(dir, 'other.sqlite');
    const other = new Database(file);
    other.exec('CREATE TABLE contacts (name TEXT)');
    other.close();
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(/another application/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('lab paths', () => {
  it('follows MBH_LAB_HOME, XDG_DATA_HOME and the platform defaults', () => {
    expect(defaultHome({ MBH_LAB_HOME: '/tmp/lab' }, 'linux')).toBe('/tmp/lab');
    expect(defaultHome({ XDG_DATA_HOME: '/data' }, 'linux')).toBe('/data/mbh-lab');
    expect(defaultHome({}, 'darwin')).toMatch(/Library\/Application Support\/MBH Lab$/);
    expect(defaultHome({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toMatch(/MBH Lab$/);
    const paths = labPaths({ zooPath: join(dir, 'my.sqlite') });
    expect(paths.zooFile).toBe(join(dir, 'my.sqlite'));
    expect(paths.dataDir).toBe(join(dir, 'datasets'));
  });
});
