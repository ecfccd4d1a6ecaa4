/**
 * `mbh-lab data`: datasets on the command line. import prints the documented JSON, ls
 * lists built-in and imported datasets with their bytes on disk, rm refuses while models
 * use a dataset (naming them) and never removes a built-in one; every refusal is one line
 * and leaves the zoo and the data folder as they were.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mbh, tempLabHome } from '../unit/cli-support.ts';
import { snapshotLab } from './lab-snapshot.ts';

const home = tempLabHome('mbh-cli-data-');
const files = join(home.dir, 'inputs');
mkdirSync(files, { recursive: true });

function csvFile(name: string, rows: number, bom = false): string {
  const lines = ['x,y,label'];
  for (let row = 0; row < rows; row++) lines.push(`${row % 3},${Math.sin(row)},${row % 3}`);
  const path = join(files, name);
  writeFileSync(path, `${bom ? '\uFEFF' : ''}${lines.join('\n')}\n`);
  return path;
}

/** IDX images (u8, count × 2 × 2) and labels (u8, count). */
function idxFiles(count: number): { images: string; labels: string } {
  const images = Buffer.alloc(16 + count * 4);
  images.writeUInt32BE(0x0803, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(2, 8);
  images.writeUInt32BE(2, 12);
  for (let i = 0; i < count * 4; i++) images[16 + i] = (i * 37) % 256;
  const labels = Buffer.alloc(8 + count);
  labels.writeUInt32BE(0x0801, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) labels[8 + i] = i % 2;
  const paths = { images: join(files, 'images.idx'), labels: join(files, 'labels.idx') };
  writeFileSync(paths.images, images);
  writeFileSync(paths.labels, labels);
  return paths;
}

describe('mbh-lab data', () => {
  it('imports a CSV (a BOM is fine) and prints id, name, classes, train and test', async () => {
    const result = await mbh(
      'data',
      'import',
      csvFile('three.csv', 50, true),
      '--name',
      'Three Blobs',
      '--test-share',
      '0.2',
      '--json',
    );
    expect(result).toEqual({
      status: 0,
      stdout: `${JSON.stringify({ id: 'user-three-blobs', name: 'Three Blobs', classes: 3, train: 40, test: 10 })}\n`,
      stderr: '',
    });
  });

  it('imports IDX files with --labels, the format following from it', async () => {
    const { images, labels } = idxFiles(20);
    const result = await mbh(
      'data',
      'import',
      images,
      '--labels',
      labels,
      '--name',
      'Tiny IDX',
      '--json',
    );
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      id: 'user-tiny-idx',
      name: 'Tiny IDX',
      classes: 2,
      train: 16,
      test: 4,
    });
  });

  it("names the user's files in every part of an IDX error, also for swapped files", async () => {
    const original = idxFiles(20);
    const images = join(files, 'digits-images.idx');
    const labels = join(files, 'digits-labels.idx');
    writeFileSync(images, readFileSync(original.images));
    writeFileSync(labels, readFileSync(original.labels));
    const short = join(files, 'short-labels.idx');
    writeFileSync(
      short,
      Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 3]), Buffer.from([0, 1, 0])]),
    );
    expect((await mbh('data', 'import', images, '--labels', short, '--name', 'Short')).stderr).toBe(
      'mbh-lab data: count mismatch: digits-images.idx holds 20 images but short-labels.idx holds 3 labels\n',
    );
    expect(
      (await mbh('data', 'import', labels, '--labels', images, '--name', 'Swapped')).stderr,
    ).toBe(
      'mbh-lab data: digits-images.idx and digits-labels.idx look swapped: digits-images.idx has the magic of an images file (00 00 08 03, 3-D) and digits-labels.idx that of a labels file (00 00 08 01, 1-D)\n',
    );
  });

  it('lists built-in and imported datasets with sizes, classes, box and bytes on disk', async () => {
    const result = await mbh('data', 'ls', '--json');
    expect(result.status).toBe(0);
    const rows = JSON.parse(result.stdout) as {
      id: string;
      builtin: boolean;
      bytes: number;
      trainCount: number;
      classCount: number;
      inputBox: unknown;
    }[];
    expect(rows.map((row) => row.id)).toEqual([
      'mnist',
      'fashion',
      'mnist-std',
      'fashion-std',
      'xor',
      'user-three-blobs',
      'user-tiny-idx',
    ]);
    const three = rows.find((row) => row.id === 'user-three-blobs')!;
    expect(three).toMatchObject({ builtin: false, trainCount: 40, classCount: 3 });
    expect(three.bytes).toBe(statSync(join(home.dir, 'datasets', 'user-three-blobs.bin')).size);
    expect(rows.find((row) => row.id === 'xor')).toMatchObject({ builtin: true, bytes: 0 });
    const text = await mbh('data', 'ls');
    expect(text.stdout.split('\n')[0]).toMatch(
      /^id\s+name\s+train\s+test\s+classes\s+inputs\s+input box\s+on disk$/,
    );
    expect(text.stdout).toMatch(
      /user-three-blobs\s+Three Blobs\s+40\s+10\s+3\s+2\s+\[-1, 2\]\s+\d+ bytes$/m,
    );
  });

  it('refuses bad imports in one line and changes nothing', async () => {
    const before = snapshotLab(home.dir);
    const bad = join(files, 'bad.csv');
    writeFileSync(bad, 'x,y,label\n1,2,0\n3,oops,1\n4,5,0\n6,7,1\n');
    const cases: [string[], string][] = [
      [
        ['data', 'import', csvFile('again.csv', 30), '--name', 'three blobs'],
        'mbh-lab data: --name: a dataset with id \'user-three-blobs\' exists already (from the name "three blobs"); remove it first (mbh-lab data rm user-three-blobs) or choose another name\n',
      ],
      [
        ['data', 'import', bad, '--name', 'Bad'],
        "mbh-lab data: bad.csv: row 3, column 'y': 'oops' is not a number\n",
      ],
      [
        ['data', 'import', join(files, 'none.csv'), '--name', 'None'],
        `mbh-lab data: FILE: cannot read ${join(files, 'none.csv')}: no such file\n`,
      ],
      [
        ['data', 'import', '/dev/zero', '--name', 'Zero'],
        'mbh-lab data: FILE: /dev/zero is a device, not a file (its size is unbounded)\n',
      ],
      [
        ['data', 'import', bad, '--name', 'Bad', '--format', 'idx'],
        'mbh-lab data: data import: an IDX import needs --labels FILE\n',
      ],
      [
        ['data', 'import', bad, '--name', 'Bad', '--test-share', '1'],
        'mbh-lab data: --test-share: must be a number in (0, 0.9], got "1"\n',
      ],
      [['data', 'import', bad], 'mbh-lab data: data import: give --name NAME\n'],
      [
        ['data', 'rm', 'mnist'],
        'mbh-lab data: data rm: mnist is a built-in dataset; only imported ones can be removed\n',
      ],
      [
        ['data', 'rm', 'user-nope'],
        'mbh-lab data: data rm: no imported dataset "user-nope" (imported: user-three-blobs, user-tiny-idx)\n',
      ],
      [['data', 'frob'], 'mbh-lab data: data: expected ls, import or rm, got "frob"\n'],
    ];
    for (const [args, stderr] of cases) {
      expect(await mbh(...args), args.join(' ')).toEqual({ status: 2, stdout: '', stderr });
    }
    expect(snapshotLab(home.dir)).toEqual(before);
  });

  it('refuses to remove a dataset models use, naming them, and removes it once they are gone', async () => {
    const model = join(files, 'model.json');
    const layer = (rows: number, columns: number, activation: string) => ({
      weights: Array.from({ length: rows }, (_, r) =>
        Array.from({ length: columns }, (_, c) => ((r + 2 * c) % 3) - 1),
      ),
      bias: Array<number>(rows).fill(0.1),
      activation,
    });
    writeFileSync(
      model,
      JSON.stringify({
        format: 'mbh-model',
        version: 1,
        inputDim: 2,
        layers: [layer(4, 2, 'relu'), layer(3, 4, 'linear')],
      }),
    );
    const imported = await mbh(
      'zoo',
      'import',
      model,
      '--dataset',
      'user-three-blobs',
      '--name',
      'blob net',
      '--json',
    );
    expect(imported.status).toBe(0);
    const id = (JSON.parse(imported.stdout) as { id: number }).id;
    const before = snapshotLab(home.dir);
    expect(await mbh('data', 'rm', 'user-three-blobs')).toEqual({
      status: 2,
      stdout: '',
      stderr: `mbh-lab data: data rm: dataset user-three-blobs is used by 1 model (${id} "blob net"); delete it first\n`,
    });
    expect(snapshotLab(home.dir)).toEqual(before);
    expect((await mbh('zoo', 'rm', String(id))).status).toBe(0);
    expect(await mbh('data', 'rm', 'user-three-blobs', '--json')).toEqual({
      status: 0,
      stdout: '{"deleted":"user-three-blobs"}\n',
      stderr: '',
    });
    expect(existsSync(join(home.dir, 'datasets', 'user-three-blobs.bin'))).toBe(false);
    const after = snapshotLab(home.dir);
    expect(after.tables.datasets.map((row) => (row as { id: string }).id)).toEqual([
      'user-tiny-idx',
    ]);
    // The name is free again.
    const again = await mbh(
      'data',
      'import',
      csvFile('three.csv', 30),
      '--name',
      'Three Blobs',
      '--json',
    );
    expect(JSON.parse(again.stdout)).toMatchObject({ id: 'user-three-blobs', train: 24, test: 6 });
  });
  it('lists an imported dataset whose data file is gone as missing, and takes it back on re-import', async () => {
    rmSync(join(home.dir, 'datasets', 'user-tiny-idx.bin'));
    const listed = JSON.parse((await mbh('data', 'ls', '--json')).stdout) as {
      id: string;
      missing: boolean;
      bytes: number;
    }[];
    expect(listed.find((row) => row.id === 'user-tiny-idx')).toMatchObject({
      missing: true,
      bytes: 0,
    });
    expect((await mbh('data', 'ls')).stdout).toMatch(
      /^user-tiny-idx .* missing: import it again under its name, or data rm it$/m,
    );
    const { images, labels } = idxFiles(20);
    const again = await mbh(
      'data',
      'import',
      images,
      '--labels',
      labels,
      '--name',
      'Tiny IDX',
      '--json',
    );
    expect(JSON.parse(again.stdout)).toEqual({
      id: 'user-tiny-idx',
      name: 'Tiny IDX',
      classes: 2,
      train: 16,
      test: 4,
    });
    const after = JSON.parse((await mbh('data', 'ls', '--json')).stdout) as {
      id: string;
      missing: boolean;
    }[];
    expect(after.filter((row) => row.id === 'user-tiny-idx')).toMatchObject([{ missing: false }]);
  });
});
