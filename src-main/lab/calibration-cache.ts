/**
 * This user's calibration of the training cost model, kept in a small file beside the zoo
 * (`<zoo>.calibration.json`). A plan that opens the zoo read-only (another process holds
 * it) may not write the database, so without this file every such plan calibrated again
 * (30–60 s of quiet runs). A writer that opens the zoo later adopts the file's calibration
 * into the zoo's settings; the database itself is still written only by the lab service.
 *
 * The file is a cache: written whole (temp file + rename, mode 0600), and on reading
 * ignored unless it is this user's, not writable by others, well formed and made on this
 * machine (host, CPU model, cores) by this version of the lab — a calibration from
 * elsewhere would price this machine wrongly.
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, hostname } from 'node:os';
import type { Backend } from '../../src-shared/api/dto.ts';
import { FEATURE_COUNT, type Coefficients } from '../train/cost-model.ts';
import { TRAINER_NAMES, type TrainerName } from '../train/trainers.ts';

/** The calibration of one tfjs backend: what TrainingCosts measures before any job ran. */
export interface CachedCalibration {
  readonly calibration: Partial<Record<TrainerName, Coefficients>>;
  readonly evaluationShare?: Partial<Record<TrainerName, number>>;
  readonly slowdown?: Readonly<Record<string, number>>;
  readonly startMs?: number;
  readonly calibratedOn: string | null;
}

/** What the calibration was measured on; a file made elsewhere is not used. */
export interface MachineKey {
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly version: string;
}

interface CacheFile {
  readonly format: typeof FORMAT;
  readonly machine: MachineKey;
  readonly backends: Partial<Record<Backend, CachedCalibration>>;
  /** Per dataset: the share of non-zero input values of its training split. */
  readonly inputNonZero: Readonly<Record<string, InputShare>>;
}

/** A dataset's non-zero share, with the split size it was counted on (a re-import differs). */
export interface InputShare {
  readonly share: number;
  readonly trainCount: number;
}

/** Bumped with the cost model's features: a calibration of other features does not fit. */
const FORMAT = 2;
/** Far more than the file ever holds; a larger one is not ours. */
const MAX_BYTES = 1 << 20;

export function calibrationCachePath(zooFile: string): string {
  return `${zooFile}.calibration.json`;
}

export function thisMachine(version: string): MachineKey {
  return {
    host: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    version,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isPositive = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

function validCoefficients(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length === FEATURE_COUNT &&
    value.every((entry) => typeof entry === 'number' && Number.isFinite(entry) && entry >= 0)
  );
}

function validPerTrainer(value: unknown, valid: (entry: unknown) => boolean): boolean {
  return (
    isRecord(value) &&
    Object.entries(value).every(
      ([trainer, entry]) => (TRAINER_NAMES as readonly string[]).includes(trainer) && valid(entry),
    )
  );
}

function validCalibration(value: unknown): value is CachedCalibration {
  if (!isRecord(value)) return false;
  if (!validPerTrainer(value.calibration, validCoefficients)) return false;
  if (value.evaluationShare !== undefined && !validPerTrainer(value.evaluationShare, isPositive))
    return false;
  if (
    value.slowdown !== undefined &&
    !(isRecord(value.slowdown) && Object.values(value.slowdown).every(isPositive))
  )
    return false;
  if (value.startMs !== undefined && !(typeof value.startMs === 'number' && value.startMs >= 0))
    return false;
  return value.calibratedOn === null || typeof value.calibratedOn === 'string';
}

function validShare(value: unknown): value is InputShare {
  return (
    isRecord(value) &&
    typeof value.share === 'number' &&
    value.share >= 0 &&
    value.share <= 1 &&
    Number.isInteger(value.trainCount) &&
    (value.trainCount as number) > 0
  );
}

function sameMachine(a: unknown, b: MachineKey): boolean {
  return (
    isRecord(a) &&
    a.host === b.host &&
    a.cpu === b.cpu &&
    a.cores === b.cores &&
    a.version === b.version
  );
}

/** Whether `path` may be trusted: a regular file of this user that nobody else may write. */
function ownedHere(path: string): boolean {
  const stat = lstatSync(path);
  if (!stat.isFile() || stat.size > MAX_BYTES) return false;
  if (process.getuid !== undefined && stat.uid !== process.getuid()) return false;
  return process.platform === 'win32' || (stat.mode & 0o022) === 0;
}

export class CalibrationCache {
  constructor(
    readonly path: string,
    private readonly machine: MachineKey,
  ) {}

  /** The file's content if it is valid and of this machine; null otherwise (or absent). */
  private read(): CacheFile | null {
    let parsed: unknown;
    try {
      if (!ownedHere(this.path)) return null;
      parsed = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      return null;
    }
    if (!isRecord(parsed) || parsed.format !== FORMAT || !sameMachine(parsed.machine, this.machine))
      return null;
    const backends = parsed.backends;
    const shares = parsed.inputNonZero;
    if (!isRecord(backends) || !Object.values(backends).every(validCalibration)) return null;
    if (!isRecord(shares) || !Object.values(shares).every(validShare)) return null;
    return parsed as unknown as CacheFile;
  }

  calibration(backend: Backend): CachedCalibration | null {
    return this.read()?.backends[backend] ?? null;
  }

  inputShare(datasetId: string): InputShare | null {
    const shares = this.read()?.inputNonZero;
    return shares !== undefined && Object.hasOwn(shares, datasetId) ? shares[datasetId] : null;
  }

  saveCalibration(backend: Backend, calibration: CachedCalibration): void {
    const current = this.read();
    this.write({
      format: FORMAT,
      machine: this.machine,
      backends: { ...current?.backends, [backend]: calibration },
      inputNonZero: current?.inputNonZero ?? {},
    });
  }

  saveInputShare(datasetId: string, share: InputShare): void {
    const current = this.read();
    this.write({
      format: FORMAT,
      machine: this.machine,
      backends: current?.backends ?? {},
      inputNonZero: { ...current?.inputNonZero, [datasetId]: share },
    });
  }

  /** Whole or not at all: a reader never sees half a file. A failed write loses only the cache. */
  private write(content: CacheFile): void {
    const temporary = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temporary, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
      renameSync(temporary, this.path);
    } catch {
      rmSync(temporary, { force: true });
    }
  }
}
