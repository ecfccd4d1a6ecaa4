/**
 * One writer per zoo: a lock file beside the database holding the owner's pid. A lock
 * whose process is gone (it crashed or was killed) is stale and taken over.
 *
 * Taking over is atomic. Creating a lock is exclusive (flag 'wx'), and only a process
 * holding the takeover guard (`<zoo>.lock.takeover`, also created exclusively) may delete
 * another's lock; it re-reads the lock under the guard and deletes it only while its
 * owner is still dead. So two processes starting beside a stale lock never both delete
 * it and both go on to open the zoo: one takes the lock, the other is told it is in use.
 */
import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ZooError } from './database.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid a lock or guard file names, or 0 when it is unreadable (a torn write). */
function ownerOf(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const pid = (JSON.parse(text) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}

/**
 * Creates `path` holding `content` unless it exists; true when this call created it. The
 * content is written to a temporary first and hard-linked into place, so no reader ever
 * sees the file empty or half-written (and mistakes a fresh lock for a torn, stale one).
 */
function createExclusive(path: string, content: string): boolean {
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  writeFileSync(temporary, content, { flag: 'wx' });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temporary, { force: true });
  }
}

/** The zoo's lock is held by another live process. */
export class ZooInUseError extends ZooError {}

function inUse(zooFile: string, path: string, owner: number): ZooError {
  return new ZooInUseError(
    `the zoo ${zooFile} is in use by another MBH Lab process (pid ${owner}); close that one first (if none runs, delete ${path})`,
  );
}

/** Takes the zoo's lock; returns the function that releases it. */
export function lockZoo(zooFile: string): () => void {
  const path = `${zooFile}.lock`;
  const mine = JSON.stringify({ pid: process.pid });
  const release = () => {
    try {
      if (readFileSync(path, 'utf8') === mine) rmSync(path);
    } catch {
      // Already gone: nothing to release.
    }
  };
  // A lock or guard can vanish between two looks (its owner finished): look again.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryLock(zooFile, path, mine)) return release;
  }
  throw new ZooError(`could not lock the zoo ${zooFile}: its lock kept changing; try again`);
}

/** One attempt: true when locked, false when the state changed under it, else throws. */
function tryLock(zooFile: string, path: string, mine: string): boolean {
  const guard = `${path}.takeover`;
  if (createExclusive(path, mine)) return true;
  const owner = ownerOf(path);
  if (owner === null) return false;
  if (owner > 0 && alive(owner)) throw inUse(zooFile, path, owner);

  // The lock looks stale: take it over under the guard, or learn who else is doing so.
  if (!createExclusive(guard, mine)) {
    const other = ownerOf(guard);
    if (other === null) return false;
    if (other !== null && other > 0 && alive(other)) {
      throw new ZooError(
        `the zoo ${zooFile} is being opened by another MBH Lab process (pid ${other}), which is taking over a stale lock; close that one first`,
      );
    }
    throw new ZooError(
      `the zoo ${zooFile} has a stale lock and a stale takeover guard ${guard}${other ? ` (pid ${other})` : ''}; if no MBH Lab process runs, delete both ${path} and ${guard}`,
    );
  }
  try {
    // Under the guard nobody else deletes the lock, so what is read here stays true until
    // this process deletes it: a lock created meanwhile names a live process and is kept.
    const now = ownerOf(path);
    if (now !== null && now > 0 && alive(now)) throw inUse(zooFile, path, now);
    rmSync(path, { force: true });
    if (!createExclusive(path, mine)) throw inUse(zooFile, path, ownerOf(path) ?? 0);
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}
