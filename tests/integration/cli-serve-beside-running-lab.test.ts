/**
 * A running lab owns its zoo (issue 9 §1), and the command line says so in words:
 * `--workers` given to a command that goes through the running lab is ignored with a
 * warning on stderr (its --json stdout stays clean), and a second `mbh-lab serve` on the
 * zoo is refused naming the lab that serves it — kind, pid, address, since when — and
 * what to do. Real processes: `mbh-lab serve` and the CLI; the desktop app (no Electron
 * here) is this process holding the zoo's lock and advertising itself as the app does.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoveryPath, readDiscovery, type HubAdvert } from '../../src-main/hub/discovery.ts';
import { lockZoo } from '../../src-main/zoo/lock.ts';
import { run, type Finished } from './processes.ts';

const cliPath = fileURLToPath(new URL('../../bin/mbh-lab.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mbh-serve-twice-'));
const zooFile = join(dir, 'zoo.sqlite');
// No Redis from the caller's environment: these labs are embedded ones.
const env: NodeJS.ProcessEnv = { ...process.env, MBH_LAB_HOME: dir, MBH_LAB_REDIS: '' };

function cli(...args: string[]): Promise<Finished> {
  return run(process.execPath, [cliPath, ...args], { env });
}

/** "2026-12-01 09:40 UTC": the minute an ISO time falls in, as the refusal gives it. */
function clock(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

let serve: ChildProcess;
let served: { url: string; port: number; token: string; discovery: string };
let advert: HubAdvert;

beforeAll(async () => {
  serve = spawn(
    process.execPath,
    [cliPath, 'serve', '--zoo', zooFile, '--port', '0', '--json', '--workers', '1'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  serve.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  served = await new Promise((resolve, reject) => {
    let text = '';
    serve.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (text.includes('\n')) resolve(JSON.parse(text.slice(0, text.indexOf('\n'))));
    });
    serve.once('exit', (code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
  advert = readDiscovery(zooFile)!;
});

afterAll(() => {
  if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('the command line beside a running lab', () => {
  it('the advert of mbh-lab serve carries its page address', () => {
    expect(advert.pid).toBe(serve.pid);
    expect(advert.shell).toBe('browser');
    expect(advert.browserUrl).toBe(served.url);
  });

  it('--workers is ignored with a warning on stderr; --json stdout is the lab’s answer', async () => {
    const warned = await cli('info', '--zoo', zooFile, '--workers', '3', '--json');
    expect(warned.status).toBe(0);
    expect(warned.stderr).toBe(
      `mbh-lab: --workers is ignored: jobs run on the lab at ${advert.url}, which uses its own workers (\`mbh-lab serve\`, pid ${serve.pid})\n`,
    );
    const info = JSON.parse(warned.stdout) as { shell: string; workers: number };
    // The running lab answered, with the pool it was started with.
    expect(info).toMatchObject({ shell: 'browser', workers: 1 });

    // experiment plan used to pass a default pool as if given: only a given one warns.
    const plain = await cli('info', '--zoo', zooFile, '--json');
    expect(plain.status).toBe(0);
    expect(plain.stderr).toBe('');
    const jobs = await cli('jobs', '--zoo', zooFile, '--workers', '2', '--json');
    expect(jobs.status).toBe(0);
    expect(jobs.stderr).toContain('--workers is ignored: jobs run on the lab at ');
    expect(JSON.parse(jobs.stdout)).toEqual([]);
  });

  it('a second serve on the zoo is refused, naming the running one and what to do', async () => {
    const second = await cli('serve', '--zoo', zooFile, '--port', '0', '--json');
    expect(second.status).toBe(2);
    expect(second.stdout).toBe('');
    expect(second.stderr).toMatch(
      new RegExp(
        `^mbh-lab serve: the zoo ${escape(zooFile)} is already served by mbh-lab serve \\(pid ${serve.pid}, since ${clock(advert.startedAt)} \\((less than a minute|\\d+ minutes?) ago\\)\\) at ${escape(served.url)}: open that address in a browser \\(it is the same lab\\), or stop that process \\(Ctrl-C in its terminal, or kill ${serve.pid}\\) and run mbh-lab serve again\\n$`,
      ),
    );
    // The first lab goes on serving, still advertised as before.
    expect(readDiscovery(zooFile)).toEqual(advert);
    const info = await cli('info', '--zoo', zooFile, '--json');
    expect(JSON.parse(info.stdout)).toMatchObject({ shell: 'browser' });
  });
});

describe('serve beside the desktop app, or beside a command that holds the zoo', () => {
  const otherZoo = join(dir, 'desktop.sqlite');

  it('names the desktop app, its pid, its endpoint and since when', async () => {
    const release = lockZoo(otherZoo);
    const startedAt = new Date().toISOString();
    const desktop: HubAdvert = {
      format: 'mbh-lab-hub',
      version: 1,
      url: 'ws://127.0.0.1:40123/api',
      port: 40123,
      pid: process.pid,
      token: 'x'.repeat(43),
      appVersion: '0.0.0',
      shell: 'electron',
      zooFile: otherZoo,
      home: dir,
      startedAt,
    };
    writeFileSync(discoveryPath(otherZoo), JSON.stringify(desktop), { mode: 0o600 });
    try {
      const refused = await cli('serve', '--zoo', otherZoo, '--port', '0');
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(
        new RegExp(
          `^mbh-lab serve: the zoo ${escape(otherZoo)} is already open in the MBH Lab desktop app \\(pid ${process.pid}, since ${clock(startedAt)} \\(.* ago\\); mbh-lab commands reach it at ws://127\\.0\\.0\\.1:40123/api\\): use its window, or quit the desktop app and run mbh-lab serve again\\n$`,
        ),
      );

      // A command holding the lock is no lab: no advert, the lock's own words.
      rmSync(discoveryPath(otherZoo));
      const locked = await cli('serve', '--zoo', otherZoo, '--port', '0');
      expect(locked.status).toBe(2);
      expect(locked.stderr).toBe(
        `mbh-lab serve: the zoo ${otherZoo} is in use by another MBH Lab process (pid ${process.pid}); close that one first (if none runs, delete ${otherZoo}.lock)\n`,
      );
    } finally {
      release();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
