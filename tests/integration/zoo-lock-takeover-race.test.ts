/**
 * Bug: two processes starting beside a stale zoo lock could both delete it and both open
 * the zoo. Now the takeover is atomic: racing real processes, exactly one gets the lock
 * and the other is told the zoo is in use (or being opened), every round.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../fixtures/scripts/lock-zoo.ts', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'mbh-lock-race-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const ROUNDS = 4;
const RACERS = 3;

/** The pid of a process that has exited: a stale lock's owner. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

interface Racer {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startRacer(zooFile: string): Racer {
  const child = spawn(process.execPath, ['--import', 'tsx', script, zooFile]);
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else queue.push(line);
  });
  return {
    child,
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise<string>((resolve) => waiting.push(resolve)),
  };
}

describe('stale zoo lock takeover', () => {
  it('lets exactly one of several racing processes take a stale lock', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const zooFile = join(folder, `zoo-${round}.sqlite`);
      const stale = JSON.stringify({ pid: deadPid() });
      writeFileSync(`${zooFile}.lock`, stale);
      const racers = Array.from({ length: RACERS }, () => startRacer(zooFile));
      for (const racer of racers) expect(await racer.next()).toBe('ready');
      for (const racer of racers) racer.child.stdin.write('go\n');
      const answers = await Promise.all(
        racers.map(async (racer) => JSON.parse(await racer.next()) as Record<string, string>),
      );
      const winners = racers.filter((_, index) => answers[index].acquired);
      expect(winners, JSON.stringify(answers)).toHaveLength(1);
      for (const answer of answers.filter((candidate) => !candidate.acquired)) {
        expect(answer.refused).toMatch(
          /^the zoo .* is (in use by|being opened by) another MBH Lab process \(pid \d+\)/,
        );
      }
      // The lock names the winner, and the guard is gone.
      expect(JSON.parse(readFileSync(`${zooFile}.lock`, 'utf8'))).toEqual({
        pid: winners[0].child.pid,
      });
      expect(existsSync(`${zooFile}.lock.takeover`)).toBe(false);
      await Promise.all(
        racers.map(
          (racer) =>
            new Promise<void>((resolve) => {
              racer.child.once('exit', () => resolve());
              racer.child.stdin.end();
            }),
        ),
      );
      // The winner released its lock on the way out.
      expect(existsSync(`${zooFile}.lock`)).toBe(false);
    }
  });
});
