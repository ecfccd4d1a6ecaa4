/**
 * Bug: `mbh-lab zoo ls` showed an imported model (checkpoints, but no training job and so
 * no accuracy) as "untrained". It now says "imported", with its checkpoint count; a trained
 * model still shows its accuracy.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';

const { zoo } = tempLabHome('mbh-cli-ls-imported-');

describe('zoo ls', () => {
  it('shows an imported model as imported with its checkpoint count', async () => {
    const model = fileURLToPath(new URL('../fixtures/engine/fig32.model.json', import.meta.url));
    const imported = await mbh('zoo', 'import', model, '--dataset', 'xor', '--zoo', zoo);
    expect(imported.status, imported.stderr).toBe(0);
    const trained = await mbh(
      'train',
      '--arch',
      'custom',
      '--hidden',
      '4,2',
      '--dataset',
      'xor',
      '--iterations',
      '20',
      '--seed',
      '1',
      '--zoo',
      zoo,
      '--json',
    );
    expect(trained.status, trained.stderr).toBe(0);

    const ls = await mbh('zoo', 'ls', '--zoo', zoo);
    expect(ls.status, ls.stderr).toBe(0);
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\s+1 .* imported {2}1 checkpoint$/);
    expect(lines[1]).toMatch(/^\s+2 .* \d+\.\d\d% {2}\d+ checkpoints$/);
    expect(ls.stdout).not.toMatch(/untrained/);
  });
});
