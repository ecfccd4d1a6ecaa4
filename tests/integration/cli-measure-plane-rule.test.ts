/**
 * `mbh-lab measure --plane-rule` (issue 10 §4): the same rule text as the api, the set it
 * measured on named in --json ("planeRule"), one shared set per rule, and a rule the
 * dataset cannot satisfy refused in one line naming the option, before any job runs.
 */
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';

const { zoo } = tempLabHome('mbh-cli-plane-rule-');

describe('mbh-lab measure --plane-rule', () => {
  it('measures on the set the rule draws, shared between runs; refuses a bad rule by option', async () => {
    const trained = await mbh(
      'train',
      '--arch',
      'custom',
      '--hidden',
      '4,2',
      '--dataset',
      'xor',
      '--iterations',
      '60',
      '--seed',
      '1',
      '--zoo',
      zoo,
      '--json',
    );
    expect(trained.stderr).toBe('');
    expect(trained.status).toBe(0);
    const measure = (...args: string[]) =>
      mbh('measure', '--model', '1', '--zoo', zoo, '--json', ...args);

    const given = await measure('--planes', '1', '--plane-rule', 'samples: 0, 1, 2');
    expect(given.stderr).toBe('');
    expect(given.status).toBe(0);
    const first = JSON.parse(given.stdout) as { planeSetId: number; planeRule: string };
    expect(first.planeRule).toBe('samples:0,1,2');
    const random = JSON.parse((await measure('--planes', '1')).stdout) as typeof first;
    expect(random.planeRule).toBe('random-classes');
    expect(random.planeSetId).not.toBe(first.planeSetId);
    const again = JSON.parse(
      (await measure('--planes', '1', '--plane-seed', '4', '--plane-rule', 'samples:0,1,2')).stdout,
    ) as typeof first;
    expect(again).toMatchObject(first);

    const refusals: [string[], string][] = [
      [
        ['--plane-rule', 'classes:0,1'],
        "--plane-rule: must be 'random-classes', 'classes:a,b,c' or 'samples:i,j,k', got 'classes:0,1'",
      ],
      [
        ['--plane-rule', 'classes:0,1,5'],
        '--plane-rule.classes[2]: class 5 does not exist (the dataset has classes 0–1)',
      ],
      [
        ['--planes', '3', '--plane-rule', 'samples:0,1,2'],
        '--planes: must be 1 when the spanning samples are given (every plane would be the same), got 3',
      ],
    ];
    for (const [args, message] of refusals) {
      const result = await measure(...args);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`mbh-lab measure: ${message}\n`);
      expect(result.status).toBe(2);
    }
  });
});
