/**
 * One writer per zoo: a lock file beside the database holding the owner's pid. A lock
 * whose process is gone (it crashed or was killed) is stale and taken over.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ZooError } from './database.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the zoo's lock; returns the function that releases it. */
export function lockZoo(zooFile: string): () => void {
  const path = `${zooFile}.lock`;
  const mine = JSON.stringify({ pid: process.pid });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      return () => {
        try {
          if (readFileSync(path, 'utf8') === mine) rmSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = 0;
    try {
      owner = (JSON.parse(readFileSync(path, 'utf8')) as { pid: number }).pid;
    } catch {
      // An unreadable lock is stale.
    }
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
      throw new ZooError(
        `the zoo ${zooFile} is in use by another MBH Lab process (pid ${owner}); close that one first (if none runs, delete ${path})`,
      );
    }
    rmSync(path, { force: true });
  }
  throw new ZooError(`could not lock the zoo ${zooFile}`);
}
