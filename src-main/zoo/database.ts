/**
 * Opening the zoo: a better-sqlite3 database in WAL mode with foreign keys on, migrated
 * to the latest schema. A file that is not an MBH Lab zoo (not SQLite, another
 * application's database, a corrupt file) or a zoo from a newer version of the lab is
 * refused with a clear message and left exactly as it was: every check reads only, and
 * nothing is written until all of them pass.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS, type Migration } from './migrations.ts';

export type Db = Database.Database;

/** 'MBHL' in the SQLite header's application id field. */
export const APPLICATION_ID = 0x4d42484c;
const SQLITE_MAGIC = 'SQLite format 3\u0000';
const BUSY_TIMEOUT_MS = 5_000;

export class ZooError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZooError';
  }
}

/** A read-only open of a zoo whose schema is older than this lab's (it needs migrating). */
export class ZooOutdatedError extends ZooError {
  constructor(
    file: string,
    readonly version: number,
    readonly latest: number,
  ) {
    super(
      `${file} is at zoo schema ${version}, older than this lab's ${latest}: it needs an upgrade, which a command that only reads does not make`,
    );
  }
}

export interface OpenOptions {
  /** The schema history; tests pass a longer one to exercise a migration. */
  migrations?: readonly Migration[];
  readonly?: boolean;
}

interface Header {
  userVersion: number;
  applicationId: number;
}

/** Reads the 100-byte SQLite header without opening the database; null for an empty file. */
function readHeader(file: string): Header | null {
  const size = statSync(file).size;
  if (size === 0) return null;
  const buffer = Buffer.alloc(100);
  const fd = openSync(file, 'r');
  let read: number;
  try {
    read = readSync(fd, buffer, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  if (read < 100 || buffer.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new ZooError(`${file} is not an MBH Lab zoo: it is not a SQLite database`);
  }
  return { userVersion: buffer.readUInt32BE(60), applicationId: buffer.readUInt32BE(68) };
}

function checkVersion(file: string, version: number, latest: number): void {
  if (version > latest) {
    throw new ZooError(
      `${file} was written by a newer MBH Lab (zoo schema ${version}, this version knows up to ${latest}); it was not opened or changed — update the lab`,
    );
  }
}

function checkApplication(file: string, applicationId: number, hasTables: boolean): void {
  if (applicationId !== APPLICATION_ID && (applicationId !== 0 || hasTables)) {
    throw new ZooError(
      `${file} is not an MBH Lab zoo: it is another application's SQLite database`,
    );
  }
}

/** A foreign key `PRAGMA foreign_key_check` reports: a row whose parent is missing. */
interface ForeignKeyViolation {
  table: string;
  rowid: number | null;
  parent: string;
  fkid: number;
}

function migrate(db: Db, file: string, migrations: readonly Migration[], from: number): void {
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    // The pragma is a no-op inside a transaction, so it is switched around one; and a
    // table rebuild with foreign keys still on would cascade its DROP into every table
    // referencing it, so the runner makes sure they are off before it starts.
    if (migration.foreignKeysOff) {
      db.pragma('foreign_keys = OFF');
      if (db.pragma('foreign_keys', { simple: true }) !== 0) {
        throw new ZooError(
          `${file}: cannot turn foreign keys off for zoo migration ${migration.version}; nothing was changed`,
        );
      }
    }
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.foreignKeysOff) checkForeignKeys(db, file, migration.version);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${migration.version}`);
      })();
    } finally {
      if (migration.foreignKeysOff) db.pragma('foreign_keys = ON');
    }
  }
}

/** Aborts a migration run with foreign keys off that left a reference without its row. */
function checkForeignKeys(db: Db, file: string, version: number): void {
  const violations = db.pragma('foreign_key_check') as ForeignKeyViolation[];
  if (violations.length === 0) return;
  const first = violations[0];
  throw new ZooError(
    `${file}: zoo migration ${version} would leave ${violations.length} row${violations.length === 1 ? '' : 's'} referencing missing ones (first: ${first.table} row ${first.rowid} → ${first.parent}); it was rolled back and the zoo is still at schema ${version - 1}`,
  );
}

function checkMigrations(migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new Error(`zoo migrations must be numbered 1, 2, …; #${index} is ${migration.version}`);
    }
  });
  return migrations.length;
}

/** Opens (creating if needed) and migrates the zoo database at `file`. */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = checkMigrations(migrations);
  const exists = existsSync(file);
  if (exists) {
    if (statSync(file).isDirectory()) throw new ZooError(`${file} is a folder, not a zoo file`);
    const header = readHeader(file);
    // The header can lag behind a write-ahead log; the pragma check below is the real one.
    if (header) checkVersion(file, header.userVersion, latest);
  } else {
    if (options.readonly) throw new ZooError(`no zoo at ${file}`);
    mkdirSync(dirname(file), { recursive: true });
  }

  let db: Db;
  try {
    db = new Database(file, {
      readonly: options.readonly ?? false,
      fileMustExist: exists,
      // The Electron app runs a copy of the addon built for Electron's ABI (scripts/electron-native.mjs).
      ...(process.env.MBH_LAB_SQLITE_BINDING
        ? { nativeBinding: process.env.MBH_LAB_SQLITE_BINDING }
        : {}),
    });
  } catch (error) {
    throw new ZooError(`cannot open the zoo at ${file}: ${(error as Error).message}`);
  }
  try {
    let version: number;
    let applicationId: number;
    let hasTables: boolean;
    try {
      version = db.pragma('user_version', { simple: true }) as number;
      applicationId = db.pragma('application_id', { simple: true }) as number;
      hasTables =
        (db.prepare('SELECT count(*) AS n FROM sqlite_master').get() as { n: number }).n > 0;
    } catch (error) {
      throw new ZooError(
        `${file} is not an MBH Lab zoo or is damaged: ${(error as Error).message}`,
      );
    }
    checkVersion(file, version, latest);
    checkApplication(file, applicationId, hasTables);
    // A reader never migrates: the repositories expect the latest schema, so it says so.
    if (options.readonly && version < latest) throw new ZooOutdatedError(file, version, latest);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // With WAL, NORMAL loses no committed transaction on a process crash (only on power loss).
      db.pragma('synchronous = NORMAL');
      migrate(db, file, migrations, version);
    }
    cacheStatements(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Prepared statements kept per connection, by SQL text (the repositories' SQL is fixed). */
const STATEMENT_CACHE_SIZE = 512;

/**
 * Makes `db.prepare` reuse statements: preparing costs far more than running a small
 * insert, and the repositories prepare on every call, so an experiment of 10,000 models
 * spent most of its one transaction (seconds, on the main thread) preparing. No caller
 * iterates a statement or switches it to pluck/raw mode, so sharing one is safe.
 */
function cacheStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const statements = new Map<string, ReturnType<Db['prepare']>>();
  db.prepare = ((source: string) => {
    let statement = statements.get(source);
    if (!statement) {
      statement = prepare(source);
      if (statements.size >= STATEMENT_CACHE_SIZE) {
        statements.delete(statements.keys().next().value as string);
      }
      statements.set(source, statement);
    }
    return statement;
  }) as Db['prepare'];
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
