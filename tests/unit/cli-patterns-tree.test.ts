/**
 * `mbh-lab patterns` and `mbh-lab tree` on a model file and a data file: the --json
 * contracts of issue 11, agreement with the engine, and one-line errors naming the flag.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDataJson, parseModelJson } from '../../src-shared/model/format.ts';
import { readFileSync } from 'node:fs';
import { uniquePatterns } from '../../src-shared/mbh/unique-patterns.ts';
import { mbh } from './cli-support.ts';

const fixtures = fileURLToPath(new URL('../fixtures/engine/', import.meta.url));
const model = join(fixtures, 'fig32.model.json');
const data = join(fixtures, 'fig32.data.json');

describe('mbh-lab patterns (model file)', () => {
  it('prints the appendix E counts as the contract says, equal to the engine', async () => {
    const result = await mbh('patterns', '--model', model, '--data', data, '--json');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report)).toEqual(['samples', 'unique', 'perPhenomenon']);
    const network = parseModelJson(JSON.parse(readFileSync(model, 'utf8')));
    const samples = parseDataJson(JSON.parse(readFileSync(data, 'utf8')), 2);
    const expected = uniquePatterns(network, samples.x, samples.labels, samples.count, [
      { name: '0', labels: [0] },
      { name: '1', labels: [1] },
    ]);
    expect(report).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(report.samples).toBe(60);
    expect(report.unique.layers).toHaveLength(3);
    const table = await mbh('patterns', '--model', model, '--data', data);
    expect(table.stdout).toContain('60 samples');
  });
});

describe('mbh-lab tree (model file)', () => {
  it('prints depth, leaves, mean leaf depth, accuracy and leaves per class', async () => {
    for (const scope of ['last', '0', '2']) {
      const result = await mbh(
        'tree',
        '--model',
        model,
        '--data',
        data,
        '--scope',
        scope,
        '--json',
      );
      expect(result.stderr).toBe('');
      const tree = JSON.parse(result.stdout);
      expect(Object.keys(tree)).toEqual([
        'depth',
        'leaves',
        'meanLeafDepth',
        'accuracy',
        'leavesPerClass',
      ]);
      expect(Object.keys(tree.leavesPerClass)).toEqual(['0', '1']);
      expect(tree.leaves).toBe(tree.leavesPerClass['0'] + tree.leavesPerClass['1']);
      expect(tree.leaves).toBeGreaterThanOrEqual(1);
      expect(tree.accuracy).toBeGreaterThan(0.5);
    }
  });

  it('refuses bad input with one line naming the flag', async () => {
    const cases: [string[], string][] = [
      [
        ['tree', '--model', model, '--data', data, '--scope', '9'],
        'mbh-lab tree: --scope: layer 9 does not exist: hidden layers are 0..2\n',
      ],
      [
        ['tree', '--model', model, '--data', data, '--scope', 'all'],
        'mbh-lab tree: --scope: expected last or a hidden layer index, got "all"\n',
      ],
      [
        ['tree', '--model', model],
        'mbh-lab tree: --data D.json|D.csv is required with a model file\n',
      ],
      [
        ['patterns', '--data', data],
        'mbh-lab patterns: --model M.json or --model ID is required\n',
      ],
      [
        ['patterns', '--model', model, '--data', data, '--split', 'train'],
        'mbh-lab patterns: --split applies to a zoo model (--model ID); a model file takes --data D.json\n',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await mbh(...args);
      expect(result.stderr).toBe(message);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
    }
  });
});
