/**
 * What a lab has stored, in a form two snapshots can be compared by: every table's rows
 * (read through a read-only handle, in a canonical order) and every file of the data
 * folder with its bytes' SHA-256. Used by the tests that prove a failed call changes
 * nothing.
 */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface LabSnapshot {
  tables: Record<string, unknown[]>;
  files: Record<string, string>;
}

/** Rows of every table, each table sorted by all its columns. */
export function databaseContent(zooFile: string): Record<string, unknown[]> {
  const db = new Database(zooFile, { readonly: true, fileMustExist: true });
  try {
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
        name: string;
      }[]
    ).map((row) => row.name);
    const content: Record<string, unknown[]> = {};
    for (const table of tables) {
      const columns = (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[])
        .map((column) => `"${column.name}"`)
        .join(', ');
      content[table] = db.prepare(`SELECT * FROM "${table}" ORDER BY ${columns}`).all();
    }
    return content;
  } finally {
    db.close();
  }
}

/** SHA-256 of every file under `folder` (relative path → hash). */
export function folderContent(folder: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (directory: string, prefix: string): void => {
    if (!existsSync(directory)) return;
    for (const name of readdirSync(directory).sort()) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else files[prefix + name] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(folder, '');
  return files;
}

export function snapshotLab(home: string): LabSnapshot {
  return {
    tables: databaseContent(join(home, 'zoo.sqlite')),
    files: folderContent(join(home, 'datasets')),
  };
}
