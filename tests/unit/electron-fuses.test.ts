/**
 * The packaged app's fuses (src-main/app/fuses.ts) flipped by @electron/fuses for real,
 * on a file laid out as Electron lays out its fuse wire (sentinel, version, length, one
 * byte per fuse), since Electron's binary is not available to the tests.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyFuses, fuseSettings } from '../../src-main/app/fuses.ts';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const scratch = mkdtempSync(join(tmpdir(), 'mbh-fuses-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A stand-in binary whose wire holds `states` ('0' off, '1' on), between other bytes. */
function fakeElectron(name: string, states: string, version = 1): string {
  const path = join(scratch, name);
  const wire = Buffer.concat([
    Buffer.from(SENTINEL, 'latin1'),
    Buffer.from([version, states.length]),
    Buffer.from(states, 'latin1'),
  ]);
  writeFileSync(path, Buffer.concat([Buffer.alloc(1000, 7), wire, Buffer.alloc(500, 9)]));
  return path;
}

/** The wire's states as '0'/'1' text, read from the file. */
function wireOf(path: string, length: number): string {
  const bytes = readFileSync(path);
  const at = bytes.indexOf(SENTINEL, 0, 'latin1') + SENTINEL.length + 2;
  return bytes.subarray(at, at + length).toString('latin1');
}

describe('fuses of the packaged app', () => {
  // Wire order: RunAsNode, CookieEncryption, NodeOptions, NodeCliInspect,
  // AsarIntegrity, OnlyLoadAppFromAsar, BrowserV8Snapshot, FileProtocolPrivileges.
  it('turns off Node entry points and file:// privileges, on cookie encryption and asar-only', async () => {
    const linux = fakeElectron('electron', '10110001');
    await applyFuses(linux, 'linux', 'x64');
    expect(wireOf(linux, 8)).toBe('01000100');
    const bytes = readFileSync(linux);
    expect(bytes.subarray(0, 1000).every((b) => b === 7)).toBe(true);
    expect(bytes.subarray(-500).every((b) => b === 9)).toBe(true);
  });

  it('checks the asar integrity where Electron supports it (macOS and Windows)', async () => {
    const windows = fakeElectron('electron.exe', '10110001');
    await applyFuses(windows, 'win32', 'x64');
    expect(wireOf(windows, 8)).toBe('01001100');
    expect(fuseSettings('darwin')).toEqual(fuseSettings('win32'));
    expect(Object.values(fuseSettings('linux')).filter(Boolean)).toHaveLength(2);
  });

  it('leaves fuses a newer Electron adds as they are', async () => {
    const newer = fakeElectron('electron-newer', '1011000111');
    await applyFuses(newer, 'linux', 'x64');
    expect(wireOf(newer, 10)).toBe('0100010011');
  });

  it('refuses a file that is not Electron, or a wire it cannot set', async () => {
    const plain = join(scratch, 'not-electron');
    writeFileSync(plain, 'just bytes');
    await expect(applyFuses(plain, 'linux', 'x64')).rejects.toThrow(/Could not find sentinel/);
    const short = fakeElectron('electron-old', '10110');
    await expect(applyFuses(short, 'linux', 'x64')).rejects.toThrow(
      /Trying to configure OnlyLoadAppFromAsar but the fuse wire in this version of Electron is not long enough/,
    );
    const future = fakeElectron('electron-v2', '10110001', 2);
    await expect(applyFuses(future, 'linux', 'x64')).rejects.toThrow(/does not match/);
  });
});
