/**
 * The two training paths. Both run the same algorithm (src-main/train/train.ts states it)
 * and share the spec, the hooks, the outcome and the resume format:
 *   'tfjs'  — TensorFlow.js (tfjs-node, wasm or cpu backend): dense kernels, masks
 *             multiplied in; the faster path for large dense networks on native TensorFlow;
 *   'fused' — src-main/train/fused: one fused step in TypeScript over flat Float32
 *             buffers; masked layers stored and multiplied as sparse, zero input pixels
 *             skipped, no per-op dispatch (small and sparse networks).
 */
export type TrainerName = 'tfjs' | 'fused';

export const TRAINER_NAMES: readonly TrainerName[] = ['tfjs', 'fused'];
