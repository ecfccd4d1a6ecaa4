import { describe, expect, it } from 'vitest';
import { keptWeightCount } from '../../src-shared/model/hnp.ts';
import { generateXor } from '../../src-main/data/xor.ts';
import { initialParameters } from '../../src-main/train/init.ts';
import {
  iterativeMagnitudePruning,
  magnitudeMask,
  magnitudePruningRound,
  oneShotWinningTicket,
} from '../../src-main/train/pruning.ts';
import type { LayerParameters } from '../../src-main/train/spec.ts';

const kept = (mask: Uint8Array | null): number =>
  mask === null ? -1 : mask.reduce((s, v) => s + v, 0);

/** A "trained" network: the initial one with every weight moved by a seeded amount. */
function trainedFrom(initial: LayerParameters[]): LayerParameters[] {
  return initial.map((layer) => ({
    ...layer,
    weights: layer.weights.map((w, i) =>
      layer.mask !== null && layer.mask[i] === 0 ? 0 : w + Math.sin(i) * 0.1,
    ),
    bias: layer.bias.map((b) => b + 0.5),
  }));
}

describe('magnitude pruning', () => {
  it('keeps the largest magnitudes, ties to the lower index, within the current mask', () => {
    const weights = Float32Array.from([0.1, -0.5, 0.5, 0.2, -0.9, 0]);
    expect(Array.from(magnitudeMask(weights, null, 3))).toEqual([0, 1, 1, 0, 1, 0]);
    expect(Array.from(magnitudeMask(weights, null, 2))).toEqual([0, 1, 0, 0, 1, 0]);
    expect(Array.from(magnitudeMask(weights, Uint8Array.from([1, 1, 0, 1, 0, 1]), 2))).toEqual([
      0, 1, 0, 1, 0, 0,
    ]);
    expect(() => magnitudeMask(weights, Uint8Array.from([1, 0, 0, 0, 0, 0]), 2)).toThrow(
      'magnitudeMask: cannot keep 2 of 1 weights',
    );
  });

  it('makes a one-shot winning ticket rewound to the initialisation', () => {
    const initial = initialParameters({
      seed: 3,
      hidden: [30, 10],
      inputDim: 20,
      outputDim: 4,
      density: 1,
    });
    const trained = trainedFrom(initial);
    const ticket = oneShotWinningTicket(trained, initial, 0.2);
    expect(ticket.keptPerLayer).toEqual([keptWeightCount(600, 0.2), keptWeightCount(300, 0.2)]);
    ticket.layers.slice(0, -1).forEach((layer, l) => {
      expect(kept(layer.mask)).toBe(ticket.keptPerLayer[l]);
      for (let i = 0; i < layer.weights.length; i++) {
        expect(layer.weights[i]).toBe(layer.mask![i] === 1 ? initial[l].weights[i] : 0);
      }
      // Every kept trained weight is at least as large as every pruned one.
      let smallestKept = Infinity;
      let largestPruned = 0;
      trained[l].weights.forEach((w, i) => {
        if (layer.mask![i] === 1) smallestKept = Math.min(smallestKept, Math.abs(w));
        else largestPruned = Math.max(largestPruned, Math.abs(w));
      });
      expect(smallestKept).toBeGreaterThanOrEqual(largestPruned);
      expect(Array.from(layer.bias)).toEqual(Array.from(initial[l].bias));
    });
    const output = ticket.layers[2];
    expect(output.mask).toBeNull();
    expect(Array.from(output.weights)).toEqual(Array.from(initial[2].weights));
    expect(() =>
      oneShotWinningTicket(oneShotWinningTicket(trained, initial, 0.1).layers, initial, 0.2),
    ).toThrow('hidden layer 1 keeps 60 weights; density 0.2 asks for 120');
  });

  it('prunes a rate of the remaining weights per IMP round', () => {
    const initial = initialParameters({
      seed: 4,
      hidden: [30, 10],
      inputDim: 20,
      outputDim: 4,
      density: 0.5,
    });
    const round = magnitudePruningRound(trainedFrom(initial), initial, 0.2);
    expect(round.keptPerLayer).toEqual([keptWeightCount(300, 0.8), keptWeightCount(150, 0.8)]);
    round.layers.slice(0, -1).forEach((layer, l) => {
      for (let i = 0; i < layer.mask!.length; i++)
        if (layer.mask![i] === 1) expect(initial[l].mask![i]).toBe(1);
    });
    expect(() => magnitudePruningRound(initial, initial, 1)).toThrow(
      'prune rate must be in (0, 1), got 1',
    );
  });

  it('runs train → prune → rewind → retrain for k rounds', async () => {
    const xor = generateXor({ seed: 1, trainCount: 300, testCount: 100 });
    const rounds = await iterativeMagnitudePruning(
      { hidden: [10, 10], seed: 6, dataset: 'xor', iterations: 40 },
      xor,
      { rounds: 2, rate: 0.5 },
      {},
      { backend: 'wasm' },
    );
    expect(rounds.map((r) => r.round)).toEqual([0, 1, 2]);
    expect(rounds.map((r) => kept(r.initial[1].mask))).toEqual([-1, 50, 25]);
    expect(rounds.every((r) => r.outcome.status === 'completed')).toBe(true);
    // Every round restarts from the original initial weights.
    const original = rounds[0].initial[1].weights;
    rounds[2].initial[1].mask!.forEach((m, i) =>
      expect(rounds[2].initial[1].weights[i]).toBe(m === 1 ? original[i] : 0),
    );
  });
});
