/**
 * How the command line opens a zoo for a command that only looks (no lab serving it):
 * read-only, beside another process that holds the writer lock, refusing every change;
 * a zoo at an older schema is upgraded as before when nobody else holds it, and says why
 * it cannot be read when somebody does; a zoo that does not exist yet is created.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLab } from '../../src-main/cli/lab-cli.ts';
import { lockZoo } from '../../src-main/zoo/lock.ts';
import { MIGRATIONS } from '../../src-main/zoo/migrations.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';

const dir = mkdtempSync(join(tmpdir(), 'mbh-read-only-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const latest = MIGRATIONS.length;

function versionOf(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.pragma('user_version', { simple: true }) as number;
  } finally {
    db.close();
  }
}

describe('openLab for a command that only reads', () => {
  it('reads beside the writer lock of another process and refuses to change anything', async () => {
    const file = join(dir, 'current.sqlite');
    Zoo.open(file).close();
    const release = lockZoo(file);
    try {
      const lab = await openLab({ zoo: file }, { readOnly: true });
      try {
        expect(lab.where).toEqual({ kind: 'here', readOnly: true });
        expect(await lab.listModels({})).toEqual([]);
        expect(await lab.listJobs({})).toEqual([]);
        await expect(lab.createProject({ name: 'x', description: '' })).rejects.toThrow(
          'createProject: this command opened the zoo read-only and cannot change it',
        );
        await expect(lab.start()).rejects.toThrow('the zoo was opened read-only: no job runs');
      } finally {
        await lab.close();
      }
      // The other process's lock is untouched.
      expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8'))).toEqual({ pid: process.pid });
    } finally {
      release();
    }
  });

  it('says why a zoo at an older schema cannot be read while another process holds it', async () => {
    const file = join(dir, 'older-locked.sqlite');
    Zoo.open(file, { migrations: MIGRATIONS.slice(0, latest - 1) }).close();
    const release = lockZoo(file);
    try {
      await expect(openLab({ zoo: file }, { readOnly: true })).rejects.toThrow(
        `${file} is at zoo schema ${latest - 1}, older than this lab's ${latest}: it needs an upgrade, which a command that only reads does not make, and the zoo ${file} is in use by another MBH Lab process (pid ${process.pid})`,
      );
    } finally {
      release();
    }
    expect(versionOf(file)).toBe(latest - 1);
  });

  it('upgrades a zoo at an older schema as a writer when nobody holds it', async () => {
    const file = join(dir, 'older.sqlite');
    Zoo.open(file, { migrations: MIGRATIONS.slice(0, latest - 1) }).close();
    const lab = await openLab({ zoo: file }, { readOnly: true });
    try {
      expect(lab.where).toEqual({ kind: 'here', readOnly: false });
      expect(await lab.listModels({})).toEqual([]);
    } finally {
      await lab.close();
    }
    expect(versionOf(file)).toBe(latest);
  });

  it("'if-busy' (a plan): the writer when the zoo is free, read-only while another holds it", async () => {
    const file = join(dir, 'plan.sqlite');
    Zoo.open(file).close();
    const free = await openLab({ zoo: file }, { readOnly: 'if-busy' });
    try {
      expect(free.where).toEqual({ kind: 'here', readOnly: false });
      expect(existsSync(`${file}.lock`)).toBe(true);
    } finally {
      await free.close();
    }
    expect(existsSync(`${file}.lock`)).toBe(false);
    const release = lockZoo(file);
    try {
      const busy = await openLab({ zoo: file }, { readOnly: 'if-busy' });
      try {
        expect(busy.where).toEqual({ kind: 'here', readOnly: true });
      } finally {
        await busy.close();
      }
    } finally {
      release();
    }
  });

  it('creates a zoo that does not exist yet', async () => {
    const file = join(dir, 'new.sqlite');
    const lab = await openLab({ zoo: file }, { readOnly: true });
    try {
      expect(lab.where).toEqual({ kind: 'here', readOnly: false });
    } finally {
      await lab.close();
    }
    expect(existsSync(file)).toBe(true);
    expect(versionOf(file)).toBe(latest);
  });
});
