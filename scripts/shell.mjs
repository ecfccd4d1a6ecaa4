// Which shell can this machine run: Electron's window, or browser mode?
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Path of the Electron binary, or null with the reason it cannot be used. */
export function electronBinary() {
  try {
    // The electron package's main export is the path of its downloaded binary.
    const path = require('electron');
    if (typeof path === 'string' && existsSync(path)) return { path, reason: null };
    return { path: null, reason: 'the electron package is installed but its binary is missing' };
  } catch {
    return {
      path: null,
      reason: "Electron's binary is not installed (its download is not possible on this machine)",
    };
  }
}
