/**
 * CSV samples: a header row naming the columns, one of which is `label` (the class, an
 * integer ≥ 0); every other column is an input feature and every cell must be a finite
 * number. Fields may be double-quoted (RFC 4180, "" for a quote inside); a field cannot
 * span lines. Rows are numbered as lines of the file, the header being line 1.
 */
import { basename } from 'node:path';
import { DataFileError } from './idx.ts';
import { readTextBounded } from './read-bounded.ts';

export interface CsvSamples {
  readonly count: number;
  readonly inputDim: number;
  readonly featureNames: readonly string[];
  readonly x: Float32Array;
  readonly labels: Uint8Array;
}

/** Splits one line into fields; throws on a malformed quote. */
function splitLine(line: string, label: string, lineNumber: number): string[] {
  const fields: string[] = [];
  let i = 0;
  while (true) {
    if (line[i] === '"') {
      let value = '';
      i++;
      while (true) {
        if (i >= line.length)
          throw new DataFileError(`${label}: row ${lineNumber}: unterminated quoted field`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      if (i < line.length && line[i] !== ',') {
        throw new DataFileError(
          `${label}: row ${lineNumber}: unexpected text after a quoted field`,
        );
      }
      fields.push(value);
    } else {
      const end = line.indexOf(',', i);
      fields.push(end < 0 ? line.slice(i) : line.slice(i, end));
      i = end < 0 ? line.length : end;
    }
    if (i >= line.length) break;
    i++; // the comma
    if (i === line.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

/** A cell or column name as an error quotes it: at most 80 characters, the length said. */
function cut(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 80)}… (${text.length} characters)`;
}

/** A cell parsed as a finite number, or NaN (Number('') is 0, so blanks are caught here). */
function parseNumber(cell: string): number {
  const text = cell.trim();
  if (text === '') return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/**
 * Parses CSV text. `classCount`, when given, bounds the labels; labels must be < 256 in any
 * case (they are stored as bytes).
 */
export function parseCsv(text: string, label: string, classCount?: number): CsvSamples {
  if (text.trim() === '') throw new DataFileError(`${label}: the file is empty`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const header = splitLine(lines[0], label, 1).map((name) => name.trim());
  const labelColumns = header.flatMap((name, index) => (name === 'label' ? [index] : []));
  if (labelColumns.length === 0) {
    throw new DataFileError(
      `${label}: the header has no 'label' column (columns: ${header.slice(0, 8).map(cut).join(', ')}${header.length > 8 ? ', …' : ''})`,
    );
  }
  if (labelColumns.length > 1)
    throw new DataFileError(`${label}: the header has ${labelColumns.length} 'label' columns`);
  const labelColumn = labelColumns[0];
  for (const [index, name] of header.entries()) {
    if (name === '') throw new DataFileError(`${label}: header column ${index + 1} has no name`);
  }
  const featureNames = header.filter((_, index) => index !== labelColumn);
  if (featureNames.length === 0)
    throw new DataFileError(`${label}: no feature columns besides 'label'`);
  const count = lines.length - 1;
  if (count === 0) throw new DataFileError(`${label}: the header is there but no data rows follow`);
  const inputDim = featureNames.length;
  const limit = classCount ?? 256;
  const x = new Float32Array(count * inputDim);
  const labels = new Uint8Array(count);
  for (let row = 0; row < count; row++) {
    const lineNumber = row + 2;
    const line = lines[row + 1];
    if (line.trim() === '') throw new DataFileError(`${label}: row ${lineNumber} is empty`);
    const cells = splitLine(line, label, lineNumber);
    if (cells.length !== header.length) {
      throw new DataFileError(
        `${label}: row ${lineNumber} has ${cells.length} cells, the header has ${header.length} columns`,
      );
    }
    let feature = 0;
    for (let column = 0; column < cells.length; column++) {
      const value = parseNumber(cells[column]);
      if (column === labelColumn) {
        if (!Number.isInteger(value) || value < 0) {
          throw new DataFileError(
            `${label}: row ${lineNumber}, column 'label': '${cut(cells[column])}' is not a non-negative integer`,
          );
        }
        if (value >= limit) {
          throw new DataFileError(
            `${label}: row ${lineNumber}, column 'label': ${value} is outside [0, ${limit})`,
          );
        }
        labels[row] = value;
      } else {
        if (Number.isNaN(value)) {
          throw new DataFileError(
            `${label}: row ${lineNumber}, column '${cut(header[column])}': '${cut(cells[column])}' is not a number`,
          );
        }
        const single = Math.fround(value);
        if (!Number.isFinite(single)) {
          throw new DataFileError(
            `${label}: row ${lineNumber}, column '${cut(header[column])}': ${value} does not fit a 32-bit float`,
          );
        }
        x[row * inputDim + feature++] = single;
      }
    }
  }
  return { count, inputDim, featureNames, x, labels };
}

export function readCsvFile(path: string, classCount?: number): CsvSamples {
  let text: string;
  try {
    text = readTextBounded(path);
  } catch (error) {
    throw new DataFileError(`${path}: cannot read: ${(error as Error).message}`);
  }
  return parseCsv(text, basename(path), classCount);
}
