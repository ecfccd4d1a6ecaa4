/**
 * Helpers of the model-format tests: the fixtures of tests/fixtures/formats (made by
 * generate.py with onnx/numpy and generate-tfjs.mjs with tfjs) and a plain forward pass
 * to compare a read network with the outputs those tools computed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FormatError } from '../../src-shared/model/format.ts';
import type { Network } from '../../src-shared/model/network.ts';

export const FORMATS = join(import.meta.dirname, '..', 'fixtures', 'formats');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FORMATS, name)));
}

export interface Expected {
  inputDim: number;
  layers: { weights: number[][]; bias: number[]; mask?: number[][] }[];
  inputs: number[][];
  outputs: number[][];
}

export function expected(stem: string): Expected {
  return JSON.parse(readFileSync(join(FORMATS, `${stem}.expected.json`), 'utf8')) as Expected;
}

/** The network's outputs (logits) at `x`, in float64. */
export function forward(network: Network, x: readonly number[]): number[] {
  let h = Float64Array.from(x);
  network.layers.forEach((layer) => {
    const next = new Float64Array(layer.outDim);
    for (let j = 0; j < layer.outDim; j++) {
      let sum = layer.bias[j];
      for (let i = 0; i < layer.inDim; i++) sum += layer.weights[j * layer.inDim + i] * h[i];
      next[j] = layer.activation === 'relu' ? Math.max(0, sum) : sum;
    }
    h = next;
  });
  return Array.from(h);
}

/** The network has exactly the expected weights, biases and masks, and the tools' outputs. */
export function expectMatches(network: Network, want: Expected): void {
  expect(network.inputDim).toBe(want.inputDim);
  expect(network.layers.length).toBe(want.layers.length);
  network.layers.forEach((layer, l) => {
    const rows = want.layers[l].weights;
    expect([layer.outDim, layer.inDim]).toEqual([rows.length, rows[0].length]);
    // numpy writes -0 where a mask zeroes a negative weight; the lab stores +0.
    expect(Array.from(layer.weights, (v) => v + 0)).toEqual(rows.flat().map((v) => v + 0));
    expect(Array.from(layer.bias)).toEqual(want.layers[l].bias);
    expect(layer.activation).toBe(l === want.layers.length - 1 ? 'linear' : 'relu');
    const mask = want.layers[l].mask;
    if (mask) expect(Array.from(layer.mask ?? [])).toEqual(mask.flat());
    else expect(layer.mask).toBeUndefined();
  });
  want.inputs.forEach((x, k) => {
    const got = forward(network, x);
    got.forEach((value, j) => expect(value).toBeCloseTo(want.outputs[k][j], 12));
  });
}

/** The FormatError message of `run`. */
export function formatError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    return (error as Error).message;
  }
  throw new Error('expected a FormatError');
}
