/**
 * The training backend as the status bar says it: what runs the training in words a
 * researcher reads at a glance ("TensorFlow.js: WebAssembly backend (native TensorFlow
 * not installed)"); the lab's raw note (module errors and all) is for the hover.
 */
import type { Backend } from '../../../src-shared/api/dto.ts';

export function backendLabel(backend: Backend | undefined, note = ''): string {
  const nativeMissing = /tensorflow/i.test(note) && backend !== 'tensorflow';
  switch (backend) {
    case undefined:
      return 'training backend: …';
    case 'tensorflow':
      return 'TensorFlow.js: native TensorFlow backend';
    case 'wasm':
      return `TensorFlow.js: WebAssembly backend${nativeMissing ? ' (native TensorFlow not installed)' : ''}`;
    case 'cpu':
      return `TensorFlow.js: plain JavaScript backend (slow${nativeMissing ? '; native TensorFlow not installed' : ''})`;
    case 'js':
      return 'Fused trainer: the lab’s own sparse-aware kernels';
  }
}
