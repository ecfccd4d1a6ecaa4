/**
 * `mbh-lab data`: the datasets of the lab. ls (built-in and imported, with sizes, classes,
 * input box and bytes on disk), import (a CSV file, or IDX images with --labels), rm (an
 * imported dataset no model uses).
 */
import { basename, resolve } from 'node:path';
import { parseParams } from '../../../src-shared/api/contract.ts';
import type { DatasetSummary } from '../../../src-shared/api/dto.ts';
import { fitsInline, INLINE_SEND_BYTES } from '../../../src-shared/api/file-source.ts';
import { ValidationError } from '../../../src-shared/api/validate.ts';
import { DataFileError } from '../../data/idx.ts';
import { DatasetRegistry } from '../../data/registry.ts';
import { FileSizeError, formatBytes, readFileBounded } from '../../data/read-bounded.ts';
import { datasetBytes } from '../../lab/datasets.ts';
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, openLab, parseFlags, UsageError } from '../lab-cli.ts';

export const usage = `mbh-lab data ls [--json]
mbh-lab data import FILE --name NAME [--format csv|idx] [--labels FILE] [--test-share F] [--json]
mbh-lab data rm ID [--json]

ls lists the built-in and imported datasets: id, name, train and test sizes, classes,
input box and bytes on disk; an imported dataset whose data file is missing is listed as
such (import it again under its name, or remove it).
import reads a CSV file (a header row with a 'label' column; every other column is a
feature) or IDX files (FILE the images, --labels the labels); the format follows from
--labels unless --format says it. --test-share F holds out that share of the samples for
testing (default 0.2, at most 0.9). The dataset's id is 'user-' and a slug of its name;
a name whose id exists is refused. --json prints {"id", "name", "classes", "train", "test"}.
rm removes an imported dataset (its data file, its plane sets); it refuses while models
use it, naming them, and never removes a built-in dataset.

  --name NAME        the imported dataset's name
  --format csv|idx   the format of FILE (default: idx with --labels, else csv)
  --labels FILE      the IDX labels file of an IDX import
  --test-share F     share of the samples held out for testing (default 0.2)
${COMMON_HELP}`;

/** A file's bytes, with one-line errors naming the flag or argument it came from. */
function readInput(path: string, what: string): Buffer {
  try {
    return readFileBounded(path);
  } catch (error) {
    if (error instanceof FileSizeError) throw new UsageError(`${what}: ${error.message}`);
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a folder'
          : (error as Error).message;
    throw new UsageError(`${what}: cannot read ${path}: ${reason}`);
  }
}

function testShare(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !(value > 0 && value <= 0.9)) {
    throw new UsageError(`--test-share: must be a number in (0, 0.9], got "${text.slice(0, 80)}"`);
  }
  return value;
}

function box(entry: DatasetSummary): string {
  return `[${Number(entry.inputBox.low.toPrecision(4))}, ${Number(entry.inputBox.high.toPrecision(4))}]`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) =>
          column >= 2 && column <= 5 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    {
      name: { type: 'string' },
      format: { type: 'string' },
      labels: { type: 'string' },
      'test-share': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  const [action, target, ...extra] = positionals;
  if (!['ls', 'import', 'rm'].includes(action ?? '')) {
    throw new UsageError(`data: expected ls, import or rm${action ? `, got "${action}"` : ''}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (action === 'ls' && target !== undefined)
    throw new UsageError(`unexpected argument "${target}"`);
  const importFlags = ['name', 'format', 'labels', 'test-share'] as const;
  if (action !== 'import') {
    const stray = importFlags.find((flag) => values[flag] !== undefined);
    if (stray) throw new UsageError(`--${stray}: only data import takes it`);
  }

  // Everything about an import that can be checked without the lab is checked first.
  let request: Parameters<typeof importRequest>[0] | undefined;
  if (action === 'import') {
    if (target === undefined) throw new UsageError('data import: give the FILE to import');
    if (values.name === undefined) throw new UsageError('data import: give --name NAME');
    const format = values.format ?? (values.labels !== undefined ? 'idx' : 'csv');
    if (format !== 'csv' && format !== 'idx')
      throw new UsageError(`--format: must be csv or idx, got "${format.slice(0, 80)}"`);
    if (format === 'idx' && values.labels === undefined)
      throw new UsageError('data import: an IDX import needs --labels FILE');
    if (format === 'csv' && values.labels !== undefined)
      throw new UsageError('--labels: only an IDX import takes a labels file');
    request = {
      file: target,
      name: values.name,
      format,
      labels: values.labels,
      testShare: testShare(values['test-share']),
    };
  }
  if (action === 'rm' && target === undefined)
    throw new UsageError('data rm: give the dataset ID (see mbh-lab data ls)');

  // Listing only looks: beside another writer, without taking the zoo's lock.
  const lab = await openLab(values, { readOnly: action === 'ls', io });
  try {
    switch (action) {
      case 'ls': {
        const datasets = await lab.listDatasets({});
        const registry = new DatasetRegistry(lab.home);
        const rows = datasets.map((entry) => ({
          ...entry,
          bytes: datasetBytes(registry, entry.id),
          missing: false,
        }));
        // An imported dataset whose data file is gone (lost before imports kept earlier
        // files) still has its zoo row: list it, so it can be imported again or removed.
        for (const row of lab.readZoo((zoo) => zoo.datasets.list())) {
          if (!rows.some((entry) => entry.id === row.id))
            rows.push({ ...row, bytes: 0, missing: true });
        }
        if (values.json) {
          io.stdout(`${JSON.stringify(rows)}\n`);
          return 0;
        }
        io.stdout(
          `${table([
            ['id', 'name', 'train', 'test', 'classes', 'inputs', 'input box', 'on disk'],
            ...rows.map((row) => [
              row.id,
              row.name,
              String(row.trainCount),
              String(row.testCount),
              String(row.classCount),
              String(row.inputDim),
              box(row),
              row.missing
                ? 'missing: import it again under its name, or data rm it'
                : row.bytes === 0
                  ? '–'
                  : formatBytes(row.bytes),
            ]),
          ])}\n`,
        );
        return 0;
      }
      case 'import': {
        // The contract fills in the defaults (the test share) as it checks the request.
        const summary = await Promise.resolve()
          .then(() => lab.importDataset(parseParams('importDataset', importRequest(request!))))
          .catch((error: unknown) => {
            throw cliImportError(error, request!);
          });
        const result = {
          id: summary.id,
          name: summary.name,
          classes: summary.classCount,
          train: summary.trainCount,
          test: summary.testCount,
        };
        if (values.json) io.stdout(`${JSON.stringify(result)}\n`);
        else
          io.stdout(
            `imported dataset ${result.id}: ${result.name} (${result.train} train, ${result.test} test, ${result.classes} classes, ${summary.inputDim} inputs)\n`,
          );
        return 0;
      }
      case 'rm': {
        await lab.deleteDataset({ id: target! }).catch((error: unknown) => {
          if (error instanceof ValidationError) throw new UsageError(`data rm: ${error.problem}`);
          throw error;
        });
        io.stdout(
          values.json ? `${JSON.stringify({ deleted: target })}\n` : `dataset ${target} removed\n`,
        );
        return 0;
      }
    }
    return 2;
  } finally {
    await lab.close({ pauseRunning: true });
  }
}

/** The api request of an import: the files read (size-checked) and encoded as it carries them. */
function importRequest(options: {
  file: string;
  name: string;
  format: 'csv' | 'idx';
  labels: string | undefined;
  testShare: number | undefined;
}) {
  const share = options.testShare !== undefined ? { testShare: options.testShare } : {};
  // Small files travel inline (within one api message, if the lab is a hub); a larger one
  // by path, read by the lab's import worker (the lab is this process or the hub beside
  // it, on this machine).
  const source = (path: string, what: string, encoding: 'utf8' | 'base64') => {
    const bytes = readInput(path, what);
    const characters = encoding === 'utf8' ? bytes.length : 4 * Math.ceil(bytes.length / 3);
    if (characters > INLINE_SEND_BYTES) return { path: resolve(path) };
    const content = bytes.toString(encoding);
    return fitsInline(content) ? content : { path: resolve(path) };
  };
  if (options.format === 'csv') {
    const csv = source(options.file, 'FILE', 'utf8');
    return { name: options.name, format: 'csv' as const, csv, ...share };
  }
  return {
    name: options.name,
    format: 'idx' as const,
    images: source(options.file, 'FILE', 'base64'),
    labels: source(options.labels!, '--labels', 'base64'),
    ...share,
  };
}

/**
 * An import's error as one line naming the user's file: the worker parses copies named
 * data.csv, images.idx and labels.idx, and the api names fields (params.name → --name).
 */
function cliImportError(error: unknown, options: { file: string; labels?: string }): Error {
  if (error instanceof ValidationError) {
    const flag = error.path.replace(/^params\./, '');
    const named = flag === 'testShare' ? '--test-share' : flag === 'name' ? '--name' : flag;
    return new UsageError(`${named}: ${error.problem}`);
  }
  if (error instanceof DataFileError) {
    // Every mention, not only the leading one: "count mismatch: images.idx holds …".
    const message = error.message
      .replace(/\b(data\.csv|images\.idx|labels\.idx)\b/g, (name) =>
        name === 'labels.idx' ? basename(options.labels ?? name) : basename(options.file),
      )
      // A large file was read where it is (by path): named as the small ones are.
      .replaceAll(resolve(options.file), basename(options.file))
      .replaceAll(
        resolve(options.labels ?? options.file),
        basename(options.labels ?? options.file),
      );
    return new UsageError(message);
  }
  return error instanceof Error ? error : new Error(String(error));
}
