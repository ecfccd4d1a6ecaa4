/** The experiment presets are valid specs, and 6.2's setups are those of figure 6.1. */
import { describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import { loadSpec } from '../../src-main/cli/commands/experiment.ts';
import { listPresets, presetNames } from '../../src-main/lab/presets.ts';
import { familyWidths, planSetups } from '../../src-main/lab/setups.ts';

const SHAPES: Record<string, { inputDim: number; classCount: number }> = {
  mnist: { inputDim: 784, classCount: 10 },
  fashion: { inputDim: 784, classCount: 10 },
  xor: { inputDim: 2, classCount: 2 },
};

function preset(name: string): ExperimentSpec {
  const found = listPresets().find((entry) => entry.id === name);
  if (!found) throw new Error(`no preset ${name}`);
  return found.spec;
}

describe('experiment presets', () => {
  it('are valid specs whose every setup can be trained', () => {
    expect(presetNames()).toEqual(
      expect.arrayContaining([
        'smoke',
        'thesis-6.2-fashion',
        'thesis-6.2-mnist',
        'thesis-6.3.2-training',
      ]),
    );
    for (const name of presetNames()) {
      const spec = preset(name);
      for (const datasetId of spec.datasets) {
        const setups = planSetups(spec, { id: datasetId, ...SHAPES[datasetId] });
        expect(setups.length, name).toBeGreaterThan(0);
        for (const setup of setups) expect(setup.density, name).toBeGreaterThan(0);
      }
    }
    expect(loadSpec('smoke').label).toBe('preset smoke');
  });

  it('reproduces the 14 Lenet setups of figure 6.1 for section 6.2', () => {
    const setups = planSetups(preset('thesis-6.2-fashion'), { id: 'fashion', ...SHAPES.fashion });
    const table = setups.map((s) => `${s.hnpLevel}: ${s.hidden[0] + s.hidden[1]}@${s.density}`);
    expect(table).toEqual([
      '265600: 400@1',
      '83572: 400@0.3136',
      '83572: 136@1',
      '27871: 400@0.1036',
      '27871: 136@0.3324',
      '27871: 46@1',
      '9472: 400@0.0342',
      '9472: 136@0.1119',
      '9472: 46@0.3388',
      '9472: 16@1',
      '4744: 400@0.0164',
      '4744: 136@0.0552',
      '4744: 46@0.1688',
      '4744: 16@0.5',
    ]);
    expect(familyWidths('lenet', 46)).toEqual([35, 11]);
    expect(familyWidths('deepfc', 45)).toEqual([23, 11, 11]);
  });
});
