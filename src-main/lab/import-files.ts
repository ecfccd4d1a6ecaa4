/**
 * The files of an import call as the service reads them: inline content, an upload the
 * browser-mode server received, or a path. Small inline files are parsed in place (a
 * few milliseconds); everything else is read, parsed and validated in the import worker,
 * so a large bundle never becomes one giant string on the service's thread. Uploads are
 * removed once their import is over, whatever its outcome.
 */
import type { FileSource } from '../../src-shared/api/file-source.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { FormatError, parseModelJson } from '../../src-shared/model/format.ts';
import type { FileInput, ParsedModelFile } from '../workers/import-protocol.ts';
import { parseModelBundle, parseProjectBundle, type ParsedProjectBundle } from './bundles.ts';
import { parseModelInWorker, parseProjectInWorker } from './import-dataset.ts';
import { removeUpload, uploadPath } from './transfers.ts';

/** Inline JSON up to this many characters is parsed on the calling thread (≈ 5 ms). */
export const PARSE_IN_PLACE_CHARACTERS = 512 * 1024;

/** The files one import call names; `release` removes the uploads among them. */
export class ImportFiles {
  private readonly uploads: string[] = [];

  constructor(private readonly home: string) {}

  /** A file for the worker; an unknown upload is refused at `field`. */
  take(source: FileSource, field: string): FileInput {
    if (typeof source === 'string') return { content: source };
    if ('upload' in source) {
      const path = uploadPath(this.home, source.upload, `${field}.upload`);
      this.uploads.push(source.upload);
      return { path };
    }
    return { path: source.path };
  }

  release(): void {
    for (const id of this.uploads.splice(0)) removeUpload(this.home, id);
  }
}

/** JSON text's value (a byte-order mark is accepted, as in CSV), or an error at `field`. */
export function parseJsonText(text: string, field: string): unknown {
  try {
    return JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown;
  } catch (error) {
    throw new ValidationError(field, `is not valid JSON: ${(error as Error).message}`);
  }
}

/** A model file's value, validated: a bundle or a single network (Model JSON). */
export function parseModelFileValue(value: unknown, field: string): ParsedModelFile {
  const format = (value as { format?: unknown } | null)?.format;
  if (format === 'mbh-model-bundle') {
    return { kind: 'bundle', bundle: parseModelBundle(value, field) };
  }
  if (format === 'mbh-model') {
    try {
      return { kind: 'network', network: parseModelJson(value) };
    } catch (error) {
      if (error instanceof FormatError) throw new ValidationError(field, error.message);
      throw error;
    }
  }
  throw new ValidationError(`${field}.format`, 'must be "mbh-model" or "mbh-model-bundle"');
}

function inPlace(file: FileInput): file is { content: string } {
  return 'content' in file && file.content.length <= PARSE_IN_PLACE_CHARACTERS;
}

export async function readProjectBundle(
  file: FileInput,
  field: string,
): Promise<ParsedProjectBundle> {
  if (inPlace(file)) return parseProjectBundle(parseJsonText(file.content, field));
  return parseProjectInWorker({ file, field });
}

export async function readModelFile(file: FileInput, field: string): Promise<ParsedModelFile> {
  if (inPlace(file)) return parseModelFileValue(parseJsonText(file.content, field), field);
  return parseModelInWorker({ file, field });
}
