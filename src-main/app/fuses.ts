/**
 * Electron fuses of the packaged app: switches compiled into the Electron binary that no
 * command line or environment can turn back on. Flipped at packaging time on the packaged
 * copy of the binary (scripts/fuses.mjs), never on node_modules/electron, which `npm
 * start` runs from the project folder (OnlyLoadAppFromAsar would refuse it).
 */
import { FuseV1Options, FuseVersion, flipFuses, getCurrentFuseWire } from '@electron/fuses';

/** What each fuse of the packaged app is set to, by the fuse's index in the wire. */
export type FuseSettings = Record<FuseV1Options, boolean>;

/**
 * The lab's fuses on `platform`. Off: running the binary as plain Node
 * (ELECTRON_RUN_AS_NODE), NODE_OPTIONS, --inspect flags, a browser-process V8 snapshot and
 * file:// privileges (the app is served from app://). On: cookie encryption, loading the
 * app only from its asar, and where Electron supports it (macOS, Windows) checking the
 * asar against the integrity hash the packager embeds.
 */
export function fuseSettings(platform: NodeJS.Platform): FuseSettings {
  return {
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]:
      platform === 'darwin' || platform === 'win32',
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** The byte @electron/fuses stores for a fuse that is on ('1') or off ('0'). */
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);

/**
 * Flips the fuses of the Electron binary at `binary` (an executable, or a macOS `.app`)
 * and reads them back: resolves when every fuse is as set, else throws naming the first
 * that is not (a binary whose wire lacks a fuse, or a file that is not Electron).
 */
export async function applyFuses(
  binary: string,
  platform: NodeJS.Platform,
  arch: string,
): Promise<FuseSettings> {
  const settings = fuseSettings(platform);
  await flipFuses(binary, {
    version: FuseVersion.V1,
    // An arm64 macOS binary must be signed again after its bytes change, or it will not run.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
    ...settings,
  });
  const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
  for (const [index, on] of Object.entries(settings)) {
    const found = wire[Number(index)];
    if (found !== (on ? ON : OFF)) {
      const name = FuseV1Options[Number(index)];
      throw new Error(
        `${binary}: fuse ${name} is ${String(found)} after flipping, expected ${on ? 'on' : 'off'}`,
      );
    }
  }
  return settings;
}
