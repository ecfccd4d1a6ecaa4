/**
 * Decision trees on layer patterns (thesis appendix D, figures D.1–D.3): an unpruned CART
 * tree (Gini impurity, binary splits on one neuron's state, grown until every leaf is pure
 * or its samples share one pattern) that classifies a data split from one hidden layer's
 * on/off patterns. Its size says how separable the classes are in that layer's patterns.
 *
 * Written here rather than taken from ml-cart: on 10,000 samples × 400 binary features
 * ml-cart tries a split at every change of label along each sorted feature (thousands of
 * identical thresholds per feature and node) and copies arrays per candidate; this one
 * counts, per node, each neuron's on-samples per class in one pass over the node's set
 * bits, which is the whole work of an exact binary split (tests/bench has the figures).
 */
import type { SamplePatterns } from './patterns.ts';

export interface TreeSummary {
  /** Depth of the deepest leaf (a lone root leaf has depth 0). */
  depth: number;
  leaves: number;
  /** Mean depth over leaves (each leaf counts once). */
  meanLeafDepth: number;
  /** Share of the samples the tree classifies right (the training data). */
  accuracy: number;
  /** Leaves predicting each class, keyed by class label. */
  leavesPerClass: Record<string, number>;
}

export interface PatternTree extends TreeSummary {
  /** Per node: the split feature (scope-local neuron), or −1 for a leaf. */
  feature: Int32Array;
  /** Per node: child when the neuron is off / on (−1 for leaves). */
  off: Int32Array;
  on: Int32Array;
  /** Per node: the predicted class (the majority; ties to the lower label). */
  label: Int32Array;
}

/** Grows the tree on all samples of `patterns` with labels in [0, classCount). */
export function growPatternTree(
  patterns: SamplePatterns,
  labels: ArrayLike<number>,
  classCount: number,
): PatternTree {
  const n = patterns.count;
  const features = patterns.neurons.length;
  const words = patterns.words;
  const bits = patterns.bits;
  if (labels.length !== n) throw new Error(`${labels.length} labels for ${n} samples`);
  for (let s = 0; s < n; s++) {
    const label = labels[s];
    if (!Number.isInteger(label) || label < 0 || label >= classCount) {
      throw new Error(`label ${label} of sample ${s} is not a class in [0, ${classCount})`);
    }
  }
  const order = new Int32Array(n);
  for (let s = 0; s < n; s++) order[s] = s;
  // onCounts[f · K + k]: samples of class k in the node with neuron f on.
  const onCounts = new Int32Array(features * classCount);
  const classCounts = new Int32Array(classCount);
  const feature: number[] = [];
  const off: number[] = [];
  const on: number[] = [];
  const label: number[] = [];
  const leafDepths: number[] = [];
  let correct = 0;
  const leavesPerClass: Record<string, number> = {};
  for (let k = 0; k < classCount; k++) leavesPerClass[String(k)] = 0;

  // Depth-first, off-child first, with an explicit stack of (node, start, end, depth).
  const root = 0;
  feature.push(-1);
  off.push(-1);
  on.push(-1);
  label.push(0);
  const stack: number[] = [root, 0, n, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const end = stack.pop()!;
    const start = stack.pop()!;
    const node = stack.pop()!;
    const size = end - start;
    classCounts.fill(0);
    for (let q = start; q < end; q++) classCounts[labels[order[q]]]++;
    let majority = 0;
    for (let k = 1; k < classCount; k++) if (classCounts[k] > classCounts[majority]) majority = k;
    label[node] = majority;
    let best = -1;
    if (classCounts[majority] < size) {
      onCounts.fill(0);
      for (let q = start; q < end; q++) {
        const sample = order[q];
        const k = labels[sample];
        const base = sample * words;
        for (let w = 0; w < words; w++) {
          let word = bits[base + w];
          while (word !== 0) {
            const low = word & -word;
            const f = (w << 5) + 31 - Math.clz32(low);
            onCounts[f * classCount + k]++;
            word ^= low;
          }
        }
      }
      // Minimising the children's weighted Gini impurity = maximising Σ c²/size over both
      // children (the parent's part is constant). Ties go to the lower neuron.
      let bestScore = -Infinity;
      for (let f = 0; f < features; f++) {
        let onSize = 0;
        let onSquares = 0;
        let offSquares = 0;
        for (let k = 0; k < classCount; k++) {
          const c = onCounts[f * classCount + k];
          onSize += c;
          onSquares += c * c;
          const d = classCounts[k] - c;
          offSquares += d * d;
        }
        const offSize = size - onSize;
        if (onSize === 0 || offSize === 0) continue;
        const score = onSquares / onSize + offSquares / offSize;
        if (score > bestScore) {
          bestScore = score;
          best = f;
        }
      }
    }
    if (best < 0) {
      // Pure, or every sample here has the same pattern: a leaf.
      leafDepths.push(depth);
      leavesPerClass[String(majority)]++;
      correct += classCounts[majority];
      continue;
    }
    // Partition order[start, end) into off | on for the chosen neuron.
    const word = best >>> 5;
    const mask = 1 << (best & 31);
    let split = start;
    for (let q = start; q < end; q++) {
      const sample = order[q];
      if ((bits[sample * words + word] & mask) === 0) {
        order[q] = order[split];
        order[split++] = sample;
      }
    }
    feature[node] = best;
    const offChild = feature.length;
    const onChild = offChild + 1;
    for (let c = 0; c < 2; c++) {
      feature.push(-1);
      off.push(-1);
      on.push(-1);
      label.push(0);
    }
    off[node] = offChild;
    on[node] = onChild;
    stack.push(onChild, split, end, depth + 1);
    stack.push(offChild, start, split, depth + 1);
  }
  let depthSum = 0;
  let maxDepth = 0;
  for (const depth of leafDepths) {
    depthSum += depth;
    maxDepth = Math.max(maxDepth, depth);
  }
  return {
    depth: maxDepth,
    leaves: leafDepths.length,
    meanLeafDepth: leafDepths.length === 0 ? 0 : depthSum / leafDepths.length,
    accuracy: n === 0 ? 0 : correct / n,
    leavesPerClass,
    feature: Int32Array.from(feature),
    off: Int32Array.from(off),
    on: Int32Array.from(on),
    label: Int32Array.from(label),
  };
}

/** The class the tree predicts for one sample's pattern. */
export function predictPattern(
  tree: PatternTree,
  patterns: SamplePatterns,
  sample: number,
): number {
  let node = 0;
  const base = sample * patterns.words;
  while (tree.feature[node] >= 0) {
    const f = tree.feature[node];
    node = (patterns.bits[base + (f >>> 5)] >>> (f & 31)) & 1 ? tree.on[node] : tree.off[node];
  }
  return tree.label[node];
}

/** The summary of a tree (what the CLI prints and the zoo keeps). */
export function treeSummary(tree: PatternTree): TreeSummary {
  return {
    depth: tree.depth,
    leaves: tree.leaves,
    meanLeafDepth: tree.meanLeafDepth,
    accuracy: tree.accuracy,
    leavesPerClass: tree.leavesPerClass,
  };
}
