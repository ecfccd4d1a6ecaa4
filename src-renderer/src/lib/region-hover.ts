/**
 * What the plane viewer says about a hovered region beside its pattern and area: the
 * network's predicted class there (from the lab's per-region classes, exact: one class,
 * or "mixed" with each class's share of the region's area) and which of the blankets on
 * screen (phenomenon, cP) contain the region.
 */
import type { PartitionView } from '../../../src-shared/api/dto.ts';
import { regionClassShares } from '../../../src-shared/mbh/region-classes.ts';

/** A blanket the viewer shows: its phenomenon's label, its cP, its region mask. */
export interface ShownBlanket {
  phenomenon: string;
  cp: number;
  /** 1 where the region belongs to the blanket, per region of the partition. */
  regions: Uint8Array;
}

type RegionClassView = Pick<
  PartitionView,
  'predictedClasses' | 'mixedOffsets' | 'mixedClasses' | 'mixedShares'
>;

/** "7", or "0 (T-shirt/top)" when the dataset names its classes. */
export function classLabel(classIndex: number, classNames: readonly string[]): string {
  const name = classNames[classIndex];
  return name && name !== String(classIndex) ? `${classIndex} (${name})` : String(classIndex);
}

/** A share as a percentage with as many decimals as it needs not to read 0 % or 100 %. */
export function sharePercent(share: number): string {
  const percent = 100 * share;
  if (percent < 0.1) return '< 0.1 %';
  if (percent > 99.9) return '> 99.9 %';
  const digits = percent >= 10 && percent <= 90 ? 0 : 1;
  return `${percent.toFixed(digits)} %`;
}

/** "predicted: 7", or "predicted: mixed — 7 (62 %), 2 (38 %)" when the class changes inside. */
export function predictedText(
  view: RegionClassView,
  region: number,
  classNames: readonly string[],
): string {
  const shares = regionClassShares(view, region);
  if (shares.length === 1) return `predicted: ${classLabel(shares[0].classIndex, classNames)}`;
  const parts = shares.map(({ classIndex, share }) => {
    const name = classNames[classIndex];
    const label = name && name !== String(classIndex) ? `${classIndex} ${name}` : classIndex;
    return `${label} (${sharePercent(share)})`;
  });
  return `predicted: mixed — ${parts.join(', ')}`;
}

/**
 * "in blankets: class 7 @ cP 0.8, 0.9; class 2 @ cP 0.5" — phenomena in the order shown,
 * each one's cPs ascending — or "in no blanket shown".
 */
export function blanketsText(blankets: readonly ShownBlanket[], region: number): string {
  const cps = new Map<string, number[]>();
  for (const blanket of blankets) {
    if (blanket.regions[region] !== 1) continue;
    const list = cps.get(blanket.phenomenon) ?? [];
    if (!list.includes(blanket.cp)) list.push(blanket.cp);
    cps.set(blanket.phenomenon, list);
  }
  if (cps.size === 0) return 'in no blanket shown';
  const parts = [...cps].map(
    ([phenomenon, list]) => `class ${phenomenon} @ cP ${list.sort((a, b) => a - b).join(', ')}`,
  );
  return `in blankets: ${parts.join('; ')}`;
}
