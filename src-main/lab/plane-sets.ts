/**
 * Drawing a plane set (DESIGN §3, thesis §6.3): each plane goes through three test images
 * of three distinct random classes, all drawn from one seed, so the same (dataset, count,
 * seed) always gives the same planes. With fewer than three classes (the XOR toy) the
 * classes may repeat; the three samples never do. Another rule (src-shared/model/plane-rule.ts)
 * fixes the three classes (a random sample of each per plane) or the three samples.
 */
import { clipPlaneToBox, planeFromPoints, PlaneError } from '../../src-shared/mbh/plane.ts';
import { Random } from '../../src-shared/model/random.ts';
import {
  checkPlaneRule,
  DEFAULT_PLANE_RULE,
  type PlaneRule,
} from '../../src-shared/model/plane-rule.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import type { StoredPlane } from '../zoo/planes.ts';

export interface PlaneSource {
  inputDim: number;
  classCount: number;
  /** The test split, row-major. */
  x: Float32Array;
  y: Uint8Array;
  count: number;
  inputBox: { low: number; high: number };
}

const MAX_TRIES = 1_000;

export function drawPlanes(
  source: PlaneSource,
  count: number,
  seed: number,
  clip: boolean,
  rule: PlaneRule = DEFAULT_PLANE_RULE,
  paths: { rule: string; count: string } = { rule: 'rule', count: 'count' },
): StoredPlane[] {
  const random = Random.create(seed, 'plane-set');
  const byClass: number[][] = Array.from({ length: source.classCount }, () => []);
  for (let i = 0; i < source.count; i++) byClass[source.y[i]].push(i);
  const classes = byClass.flatMap((members, label) => (members.length > 0 ? [label] : []));
  if (source.count < 3) throw new Error('a plane set needs a test split of at least 3 samples');
  const checked = checkPlaneRule(
    rule,
    {
      classCount: source.classCount,
      sampleCount: source.count,
      perClass: byClass.map((members) => members.length),
    },
    count,
    paths.rule,
    paths.count,
  );
  const distinct = classes.length >= 3;
  const row = (index: number) =>
    source.x.subarray(index * source.inputDim, (index + 1) * source.inputDim);

  const planes: StoredPlane[] = [];
  for (let index = 0; index < count; index++) {
    for (let attempt = 0; ; attempt++) {
      if (attempt === MAX_TRIES) {
        throw new Error(`could not draw plane ${index}: the test images are (nearly) collinear`);
      }
      const samples: number[] = [];
      if (checked.kind === 'samples') {
        samples.push(...checked.samples);
      } else if (checked.kind === 'classes') {
        for (const label of checked.classes) {
          const members = byClass[label];
          samples.push(members[random.nextInt(members.length)]);
        }
      } else if (distinct) {
        const order = random.permutation(classes.length);
        for (let k = 0; k < 3; k++) {
          const members = byClass[classes[order[k]]];
          samples.push(members[random.nextInt(members.length)]);
        }
      } else {
        while (samples.length < 3) {
          const members = byClass[classes[random.nextInt(classes.length)]];
          const sample = members[random.nextInt(members.length)];
          if (!samples.includes(sample)) samples.push(sample);
        }
      }
      try {
        let plane = planeFromPoints(row(samples[0]), row(samples[1]), row(samples[2]));
        if (clip) plane = clipPlaneToBox(plane, source.inputBox.low, source.inputBox.high);
        planes.push({
          index,
          sampleIndices: [samples[0], samples[1], samples[2]],
          labels: [source.y[samples[0]], source.y[samples[1]], source.y[samples[2]]],
          origin: plane.origin,
          u: plane.u,
          v: plane.v,
          domain: plane.domain,
          points: plane.points ?? new Float64Array(6),
        });
        break;
      } catch (error) {
        if (!(error instanceof PlaneError)) throw error;
        // Given samples cannot be drawn again: their plane does not exist.
        if (checked.kind === 'samples') {
          throw new ValidationError(
            `${paths.rule}.samples`,
            `samples ${checked.samples.join(', ')} span no plane: the three images are (nearly) collinear`,
          );
        }
      }
    }
  }
  return planes;
}
