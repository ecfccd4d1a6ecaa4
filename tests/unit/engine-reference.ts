/**
 * A deliberately plain partition (algorithm 2 as printed): layer by layer, neuron by
 * neuron, every current region is tested against the neuron's line and split in two when
 * it crosses. Each region's affine maps are recomputed from scratch at the start of every
 * layer with dense products — no BSP, no rank-1 updates, no sparsity. It is the test
 * oracle for the engine and the baseline of tests/bench/engine.bench.ts.
 */
import type { Network } from '../../src-shared/model/network.ts';
import type { Plane } from '../../src-shared/mbh/plane.ts';
import { SIDE_TOLERANCE } from '../../src-shared/mbh/partition.ts';

export interface ReferenceRegion {
  /** x0, y0, x1, y1, … counter-clockwise. */
  polygon: number[];
  /** 0/1 per hidden neuron in layer order. */
  pattern: Uint8Array;
}

export interface ReferencePartition {
  regions: ReferenceRegion[];
  regionsPerLayer: number[];
}

function area(polygon: number[]): number {
  let sum = 0;
  const n = polygon.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    sum += polygon[2 * i] * polygon[2 * j + 1] - polygon[2 * j] * polygon[2 * i + 1];
  }
  return sum / 2;
}

export function referenceArea(region: ReferenceRegion): number {
  return area(region.polygon);
}

export function referencePartition(network: Network, plane: Plane): ReferencePartition {
  const hidden = network.layers.length - 1;
  let neurons = 0;
  for (let l = 0; l < hidden; l++) neurons += network.layers[l].outDim;
  let scale = 0;
  for (const value of plane.domain) scale = Math.max(scale, Math.abs(value));
  // Input map: x_i = origin_i + a·u_i + b·v_i, as (ca, cb, c0) per input.
  const first = network.layers[0];
  const inputMap = new Float64Array(3 * first.inDim);
  for (let i = 0; i < first.inDim; i++) {
    inputMap[3 * i] = plane.u[i];
    inputMap[3 * i + 1] = plane.v[i];
    inputMap[3 * i + 2] = plane.origin[i];
  }
  let regions: ReferenceRegion[] = [
    { polygon: Array.from(plane.domain), pattern: new Uint8Array(neurons) },
  ];
  const regionsPerLayer: number[] = [];
  let offset = 0;
  for (let l = 0; l < hidden; l++) {
    const layer = network.layers[l];
    // Maps of this layer's pre-activations, recomputed per region from the input map.
    const maps: Float64Array[] = regions.map((region): Float64Array => {
      let current: Float64Array = inputMap;
      let neuronBase = 0;
      for (let m = 0; m <= l; m++) {
        const lm = network.layers[m];
        const next = new Float64Array(3 * lm.outDim);
        for (let j = 0; j < lm.outDim; j++) {
          let a = 0;
          let b = 0;
          let c = lm.bias[j];
          for (let i = 0; i < lm.inDim; i++) {
            const w = lm.weights[j * lm.inDim + i];
            a += w * current[3 * i];
            b += w * current[3 * i + 1];
            c += w * current[3 * i + 2];
          }
          const on = m === l || region.pattern[neuronBase + j] === 1;
          next[3 * j] = on ? a : 0;
          next[3 * j + 1] = on ? b : 0;
          next[3 * j + 2] = on ? c : 0;
        }
        current = next;
        neuronBase += lm.outDim;
      }
      return current;
    });
    for (let j = 0; j < layer.outDim; j++) {
      const nextRegions: ReferenceRegion[] = [];
      const nextMaps: Float64Array[] = [];
      regions.forEach((region, r) => {
        const map = maps[r];
        const ca = map[3 * j];
        const cb = map[3 * j + 1];
        const c0 = map[3 * j + 2];
        const e = SIDE_TOLERANCE * (Math.abs(ca) * scale + Math.abs(cb) * scale + Math.abs(c0));
        const p = region.polygon;
        const n = p.length / 2;
        const f = Array.from({ length: n }, (_, i) => ca * p[2 * i] + cb * p[2 * i + 1] + c0);
        const positive = f.some((value) => value > e);
        const negative = f.some((value) => value < -e);
        if (!(positive && negative)) {
          let on = positive;
          if (!positive && !negative) {
            let sx = 0;
            let sy = 0;
            for (let i = 0; i < n; i++) {
              sx += p[2 * i];
              sy += p[2 * i + 1];
            }
            on = ca * (sx / n) + cb * (sy / n) + c0 > 0;
          }
          region.pattern[offset + j] = on ? 1 : 0;
          nextRegions.push(region);
          nextMaps.push(map);
          return;
        }
        const onSide: number[] = [];
        const offSide: number[] = [];
        for (let i = 0; i < n; i++) {
          const k = (i + 1) % n;
          if (f[i] >= -e) onSide.push(p[2 * i], p[2 * i + 1]);
          if (f[i] <= e) offSide.push(p[2 * i], p[2 * i + 1]);
          if ((f[i] > e && f[k] < -e) || (f[i] < -e && f[k] > e)) {
            const t = f[i] / (f[i] - f[k]);
            const x = p[2 * i] + t * (p[2 * k] - p[2 * i]);
            const y = p[2 * i + 1] + t * (p[2 * k + 1] - p[2 * i + 1]);
            onSide.push(x, y);
            offSide.push(x, y);
          }
        }
        const onPattern = region.pattern.slice();
        onPattern[offset + j] = 1;
        const offPattern = region.pattern.slice();
        offPattern[offset + j] = 0;
        nextRegions.push(
          { polygon: onSide, pattern: onPattern },
          { polygon: offSide, pattern: offPattern },
        );
        nextMaps.push(map, map);
      });
      regions = nextRegions;
      maps.length = 0;
      maps.push(...nextMaps);
    }
    regionsPerLayer.push(regions.length);
    offset += layer.outDim;
  }
  return { regions, regionsPerLayer };
}
