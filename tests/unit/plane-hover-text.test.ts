// What the plane viewer's hover says about a region: its predicted class (or the mixed
// shares) and the blankets on screen that contain it.
import { describe, expect, it } from 'vitest';
import {
  blanketsText,
  classLabel,
  predictedText,
  sharePercent,
} from '../../src-renderer/src/lib/region-hover.ts';

// Region 0 is class 7 throughout; region 1 is 62 % class 7 and 38 % class 2; region 2 is 3.
const classes = {
  predictedClasses: Int16Array.of(7, -1, 3),
  mixedOffsets: Uint32Array.of(0, 0, 2, 2),
  mixedClasses: Int16Array.of(7, 2),
  mixedShares: Float64Array.of(0.62, 0.38),
};
const digits = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const fashion = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

describe('predicted class on hover', () => {
  it('names the class where it is constant, with the dataset’s name when it has one', () => {
    expect(predictedText(classes, 0, digits)).toBe('predicted: 7');
    expect(predictedText(classes, 0, [])).toBe('predicted: 7');
    expect(predictedText(classes, 0, fashion)).toBe('predicted: 7 (Sneaker)');
    expect(classLabel(0, fashion)).toBe('0 (T-shirt/top)');
  });

  it('gives each class’s share of a mixed region, largest first', () => {
    expect(predictedText(classes, 1, digits)).toBe('predicted: mixed — 7 (62 %), 2 (38 %)');
    expect(predictedText(classes, 1, fashion)).toBe(
      'predicted: mixed — 7 Sneaker (62 %), 2 Pullover (38 %)',
    );
    expect(predictedText(classes, 2, digits)).toBe('predicted: 3');
  });

  it('shows small and near-whole shares so that none reads 0 % or 100 %', () => {
    expect(sharePercent(0.4)).toBe('40 %');
    expect(sharePercent(0.0432)).toBe('4.3 %');
    expect(sharePercent(0.9567)).toBe('95.7 %');
    expect(sharePercent(0.0004)).toBe('< 0.1 %');
    expect(sharePercent(0.9996)).toBe('> 99.9 %');
  });
});

describe('blankets containing the hovered region', () => {
  const mask = (...bits: number[]) => Uint8Array.from(bits);
  const shown = [
    { phenomenon: '7', cp: 0.9, regions: mask(1, 0, 0) },
    { phenomenon: '7', cp: 0.8, regions: mask(1, 1, 0) },
    { phenomenon: '2', cp: 0.5, regions: mask(1, 0, 0) },
    { phenomenon: '2', cp: 0.8, regions: mask(0, 1, 0) },
  ];

  it('lists each phenomenon in the order shown with its cPs ascending', () => {
    expect(blanketsText(shown, 0)).toBe('in blankets: class 7 @ cP 0.8, 0.9; class 2 @ cP 0.5');
    expect(blanketsText(shown, 1)).toBe('in blankets: class 7 @ cP 0.8; class 2 @ cP 0.8');
  });

  it('says so when no blanket on screen contains it', () => {
    expect(blanketsText(shown, 2)).toBe('in no blanket shown');
    expect(blanketsText([], 0)).toBe('in no blanket shown');
  });
});
