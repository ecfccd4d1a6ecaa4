#!/usr/bin/env node
// Flips the packaged app's Electron fuses (src-main/app/fuses.ts) and checks them.
// At packaging time, on the packaged copy of Electron, never on node_modules/electron:
//   npm run fuses -- PATH [--platform darwin|win32|linux] [--arch x64|arm64]
// PATH is the packaged executable (or the macOS .app). As an electron-builder hook, set
// `afterPack: scripts/fuses.mjs`; the default export below finds the binary itself.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';

register();
const { applyFuses } = await import('../src-main/app/fuses.ts');

/** electron-builder's afterPack hook: the packaged binary from the pack context. */
export default async function afterPack(context) {
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
  const name = context.packager.appInfo.productFilename;
  const binary =
    platform === 'darwin'
      ? join(context.appOutDir, `${name}.app`)
      : platform === 'win32'
        ? join(context.appOutDir, `${name}.exe`)
        : join(context.appOutDir, context.packager.executableName);
  // electron-builder's Arch enum: 1 is x64, 3 is arm64.
  const arch = context.arch === 3 ? 'arm64' : 'x64';
  await applyFuses(binary, platform, arch);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      platform: { type: 'string', default: process.platform },
      arch: { type: 'string', default: process.arch },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write('usage: npm run fuses -- PATH [--platform P] [--arch A]\n');
    process.exit(2);
  }
  try {
    const settings = await applyFuses(positionals[0], values.platform, values.arch);
    const { FuseV1Options } = await import('@electron/fuses');
    for (const [index, on] of Object.entries(settings))
      process.stdout.write(`${FuseV1Options[Number(index)]}: ${on ? 'on' : 'off'}\n`);
  } catch (error) {
    process.stderr.write(`fuses: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
