/**
 * The model zoo: one SQLite database and a repository per kind of thing in it. Only the
 * lab service holds a writable Zoo; everything else asks the service.
 */
import { openDatabase, type Db, type OpenOptions } from './database.ts';
import { CheckpointRepository } from './checkpoints.ts';
import { DatasetRepository, SettingsRepository } from './datasets.ts';
import { ExperimentRepository } from './experiments.ts';
import { JobRepository } from './jobs.ts';
import { MeasurementRepository } from './measurements.ts';
import { ModelRepository } from './models.ts';
import { PlaneSetRepository } from './planes.ts';
import { ProjectRepository } from './projects.ts';
import { ExactRepository } from './exact.ts';
import { AnalysisRepository } from './analyses.ts';
import { CompareViewRepository } from './views.ts';

export class Zoo {
  readonly projects: ProjectRepository;
  readonly experiments: ExperimentRepository;
  readonly models: ModelRepository;
  readonly checkpoints: CheckpointRepository;
  readonly planeSets: PlaneSetRepository;
  readonly measurements: MeasurementRepository;
  readonly jobs: JobRepository;
  readonly datasets: DatasetRepository;
  readonly settings: SettingsRepository;
  readonly exact: ExactRepository;
  readonly analyses: AnalysisRepository;
  readonly views: CompareViewRepository;

  private constructor(
    readonly db: Db,
    readonly file: string,
  ) {
    this.projects = new ProjectRepository(db);
    this.experiments = new ExperimentRepository(db);
    this.models = new ModelRepository(db);
    this.checkpoints = new CheckpointRepository(db);
    this.planeSets = new PlaneSetRepository(db);
    this.measurements = new MeasurementRepository(db);
    this.jobs = new JobRepository(db);
    this.datasets = new DatasetRepository(db);
    this.settings = new SettingsRepository(db);
    this.exact = new ExactRepository(db);
    this.analyses = new AnalysisRepository(db);
    this.views = new CompareViewRepository(db);
  }

  static open(file: string, options: OpenOptions = {}): Zoo {
    return new Zoo(openDatabase(file, options), file);
  }

  /** Runs `work` in one transaction: all of its writes land, or none. */
  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
