#!/usr/bin/env node
// `npm start`: the desktop window where Electron's binary is installed, else the same UI
// served to a browser on 127.0.0.1. Either way it says which shell it uses and why.
import { spawn } from 'node:child_process';
import { build } from './build.mjs';
import { electronSqliteBinding } from './electron-native.mjs';
import { electronBinary } from './shell.mjs';

const passThrough = process.argv.slice(2);
const electron = electronBinary();
const status = build();
if (status !== 0) process.exit(status);

const child = electron.path
  ? (process.stdout.write('Starting MBH Lab in its desktop window (Electron).\n'),
    spawn(electron.path, ['.', ...passThrough], {
      stdio: 'inherit',
      env: { ...process.env, MBH_LAB_SQLITE_BINDING: electronSqliteBinding() },
    }))
  : (process.stdout.write(`${electron.reason}: starting browser mode.\n`),
    spawn(process.execPath, ['bin/mbh-lab.mjs', 'serve', ...passThrough], { stdio: 'inherit' }));

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
