import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config.ts';

// The Electron build: main process (with the worker entries bundled beside it), the
// sandboxed preload (CommonJS, as sandboxed preloads must be) and the renderer, which is
// the same Vite build that browser mode serves. electron-vite 6 reads Electron's major from
// node_modules/electron (or ELECTRON_MAJOR_VER) to pick the node/chrome targets; for 45,
// newer than its table, it targets 44's (Node 24.18, Chrome 152), which Electron 45 runs.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src-main/app/main.ts'),
          'train.worker': resolve(import.meta.dirname, 'src-main/workers/train.worker.ts'),
          'measure.worker': resolve(import.meta.dirname, 'src-main/workers/measure.worker.ts'),
          'import.worker': resolve(import.meta.dirname, 'src-main/workers/import.worker.ts'),
          'model-file.worker': resolve(
            import.meta.dirname,
            'src-main/workers/model-file.worker.ts',
          ),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src-main/app/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: { ...rendererConfig.build, outDir: 'out/renderer' },
  },
});
