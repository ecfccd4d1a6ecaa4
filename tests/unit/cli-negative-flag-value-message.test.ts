/**
 * Bug: `--seed -1`, `--scope -1` or `--density -0.1` printed only node's first line,
 * "Option '--seed' argument is ambiguous.", which neither says what is wrong nor how to
 * give such a value. Now one line says both.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src-main/cli/engine-io.ts';
import { main } from '../../src-main/cli/main.ts';

const fixtures = fileURLToPath(new URL('../fixtures/engine/', import.meta.url));

async function mbh(...args: string[]) {
  let stderr = '';
  const status = await main(args, { stdout: () => {}, stderr: (text) => void (stderr += text) });
  return { status, stderr };
}

describe('a flag value starting with a dash', () => {
  it('gets one line that names the flag and the way to write it', async () => {
    const measure = await mbh(
      'measure',
      '--model',
      `${fixtures}fig32.model.json`,
      '--plane',
      `${fixtures}square-0-4.plane.json`,
      '--data',
      `${fixtures}fig32.data.csv`,
      '--scope',
      '-1',
    );
    expect(measure.status).toBe(2);
    expect(measure.stderr).toBe(
      "mbh-lab measure: --scope: a value that starts with '-' must be written --scope=VALUE\n",
    );
    const train = await mbh('train', '--hidden', '4,2', '--dataset', 'xor', '--density', '-0.1');
    expect(train.status).toBe(2);
    expect(train.stderr).toBe(
      "mbh-lab train: --density: a value that starts with '-' must be written --density=VALUE\n",
    );
    expect(oneLine('first\nsecond')).toBe('first');
  });
});
