import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import type { UserConfig } from 'vite';

// The renderer's Vite config, shared by the Electron build and browser mode.
export const rendererConfig = {
  root: resolve(import.meta.dirname, 'src-renderer'),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2_000,
    rollupOptions: { input: resolve(import.meta.dirname, 'src-renderer/index.html') },
  },
} satisfies UserConfig;

export default rendererConfig;
