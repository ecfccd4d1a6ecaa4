/**
 * `mbh-lab experiment run|plan FILE`: the file may hold a bare spec or a whole preset
 * (`{label, description, spec}`, as in resources/presets), so a preset can be copied and
 * edited. A preset-shaped file with a bad label or an unknown field is refused naming it.
 * Also: the plain progress line of a sweep.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSpec } from '../../src-main/cli/commands/experiment.ts';
import { describeSweep } from '../../src-main/cli/progress.ts';
import { presetDirectory, specOfFile } from '../../src-main/lab/presets.ts';

const dir = mkdtempSync(join(tmpdir(), 'mbh-spec-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bare = {
  name: 'tiny',
  family: 'custom',
  hiddenNeurons: [6],
  customWidths: [[4, 2]],
  seeds: [0],
  datasets: ['xor'],
  iterations: 20,
};

function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('spec files', () => {
  it('reads a bare spec as it is', () => {
    expect(loadSpec(file('bare.json', bare))).toEqual({
      spec: bare,
      label: join(dir, 'bare.json'),
    });
  });

  it('reads the spec out of a preset file', () => {
    const preset = { label: 'Tiny', description: 'a copy of a preset', spec: bare };
    expect(loadSpec(file('preset.json', preset)).spec).toEqual(bare);
  });

  it('reads a preset shipped with the lab, copied to a file, as the preset itself', () => {
    const copy = file('smoke-copy.json', readFileSync(join(presetDirectory, 'smoke.json'), 'utf8'));
    expect(loadSpec(copy).spec).toEqual(loadSpec('smoke').spec);
  });

  it('refuses a preset file with a bad or unknown field, naming it', () => {
    expect(() => loadSpec(file('nolabel.json', { description: '', spec: bare }))).toThrow(
      `${join(dir, 'nolabel.json')}: preset.label: `,
    );
    expect(() =>
      loadSpec(file('extra.json', { label: 'x', description: '', spec: bare, seeds: [1] })),
    ).toThrow(`${join(dir, 'extra.json')}: preset.seeds: is not a known field`);
  });

  it('keeps a JSON error a JSON error', () => {
    expect(() => loadSpec(file('broken.json', '{"name": '))).toThrow(
      `${join(dir, 'broken.json')}: not valid JSON:`,
    );
  });

  it('leaves anything that is not preset-shaped to the spec validation', () => {
    expect(specOfFile([1, 2], 'preset')).toEqual([1, 2]);
    expect(specOfFile(null, 'preset')).toBeNull();
    expect(specOfFile({ ...bare }, 'preset')).toEqual(bare);
  });
});

describe('describeSweep', () => {
  it('says the share done, the jobs and the time left', () => {
    expect(
      describeSweep({ progress: 0.4271, etaSeconds: 185, remainingJobs: 12, workers: 2 }),
    ).toBe('sweep 42% · 12 jobs left · eta 3 min 05 s · 2 workers');
    expect(describeSweep({ progress: 1, etaSeconds: null, remainingJobs: 0, workers: 1 })).toBe(
      'sweep 100% · no job left · 1 worker',
    );
  });
});
