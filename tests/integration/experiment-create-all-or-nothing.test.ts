/**
 * A large experiment is written in chunks, hidden until complete: while it is being
 * written no listing shows it, its models or its jobs and the scheduler does not take its
 * jobs; a failure mid-way leaves the zoo exactly as it was; a crash mid-way leaves only
 * hidden rows, which the next lab to open removes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExperimentSpec } from '../../src-shared/api/dto.ts';
import { writeExperiment, type PlannedRow } from '../../src-main/lab/experiment-create.ts';
import { LabService } from '../../src-main/lab/service.ts';
import { Zoo } from '../../src-main/zoo/zoo.ts';
import { databaseContent } from './lab-snapshot.ts';

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function freshZoo(): { zoo: Zoo; file: string; home: string } {
  const home = mkdtempSync(join(tmpdir(), 'mbh-lab-experiment-create-'));
  folders.push(home);
  const file = join(home, 'zoo.sqlite');
  return { zoo: Zoo.open(file), file, home };
}

const spec = { name: 'sweep' } as ExperimentSpec;

function rows(projectId: number, count: number): PlannedRow[] {
  return Array.from({ length: count }, (_, index) => ({
    model: {
      projectId,
      name: `model ${index}`,
      family: 'custom',
      hidden: [8],
      inputDim: 2,
      classCount: 2,
      density: 1,
      hnps: 8,
      hnpLevel: null,
      seed: index,
      pruning: { kind: 'none' } as never,
      datasetId: 'xor',
      backend: null,
      iterations: 0,
      notes: '',
      createdAt: 1,
    },
    job: (modelId) => ({
      kind: 'train',
      modelId,
      label: `train model ${index}`,
      spec: { modelId },
      iterations: 10,
    }),
  }));
}

/** What any listing shows: experiments, models, jobs (and the queue), project counts. */
function visible(zoo: Zoo) {
  const [project] = zoo.projects.list();
  return {
    experiments: zoo.experiments.list().length,
    models: zoo.models.list().length,
    jobs: zoo.jobs.list().length,
    queued: zoo.jobs.queued(100_000).length,
    projectCounts: [project.experimentCount, project.modelCount],
  };
}

describe('creating an experiment in chunks', () => {
  it('shows nothing of it until the last chunk, then all of it', async () => {
    const { zoo } = freshZoo();
    const projectId = zoo.projects.create('p', '');
    const seen: ReturnType<typeof visible>[] = [];
    const revealed: number[] = [];
    let summaries = 0;
    const result = await writeExperiment(
      zoo,
      { projectId, spec, planeSetId: null },
      rows(projectId, 1_000),
      false,
      (id) => revealed.push(id),
      (jobs) => (summaries += jobs.length),
      { chunkRows: 200, afterChunk: () => seen.push(visible(zoo)) },
    );
    expect(seen).toHaveLength(5);
    const nothing = { experiments: 0, models: 0, jobs: 0, queued: 0, projectCounts: [0, 0] };
    for (const view of seen) expect(view).toEqual(nothing);
    expect(revealed).toEqual([result.experimentId]);
    expect(summaries).toBe(1_000);
    expect(visible(zoo)).toEqual({
      experiments: 1,
      models: 1_000,
      jobs: 1_000,
      queued: 1_000,
      projectCounts: [1, 1_000],
    });
    expect(zoo.models.list({ experimentId: result.experimentId })).toHaveLength(1_000);
    zoo.close();
  });

  it('leaves the zoo as it was when a chunk fails mid-way', async () => {
    const { zoo, file } = freshZoo();
    const projectId = zoo.projects.create('p', '');
    const before = databaseContent(file);
    const revealed: number[] = [];
    await expect(
      writeExperiment(
        zoo,
        { projectId, spec, planeSetId: null },
        rows(projectId, 1_000),
        true,
        (id) => revealed.push(id),
        () => {},
        {
          chunkRows: 200,
          afterChunk: (index) => {
            if (index === 2) throw new Error('disk full (injected)');
          },
        },
      ),
    ).rejects.toThrow('disk full (injected)');
    expect(revealed).toEqual([]);
    expect(databaseContent(file)).toEqual(before);
    zoo.close();
  });

  it('fails cleanly when its project is deleted meanwhile', async () => {
    const { zoo, file } = freshZoo();
    const projectId = zoo.projects.create('p', '');
    const keep = zoo.projects.create('keep', '');
    const before = databaseContent(file);
    await expect(
      writeExperiment(
        zoo,
        { projectId, spec, planeSetId: null },
        rows(projectId, 600),
        false,
        () => {},
        () => {},
        { chunkRows: 200, afterChunk: (index) => index === 1 && zoo.projects.delete(projectId) },
      ),
    ).rejects.toThrow();
    const after = databaseContent(file) as { projects: { id: number }[] };
    expect(after.projects.map((row) => row.id)).toEqual([keep]);
    expect({ ...after, projects: [] }).toEqual({ ...before, projects: [] });
    zoo.close();
  });

  it('after a crash mid-way, the next lab removes the hidden remains', async () => {
    const { zoo, file, home } = freshZoo();
    const projectId = zoo.projects.create('p', '');
    const before = databaseContent(file);
    let crashed!: () => void;
    const stopped = new Promise<void>((resolve) => (crashed = resolve));
    let chunks = 0;
    // The process "dies" after the third chunk: the write never continues.
    void writeExperiment(
      zoo,
      { projectId, spec, planeSetId: null },
      rows(projectId, 1_000),
      false,
      () => {},
      () => {},
      {
        chunkRows: 200,
        pause: () =>
          ++chunks <= 3
            ? Promise.resolve()
            : new Promise<void>(() => {
                crashed();
              }),
      },
    );
    await stopped;
    expect(zoo.models.list()).toEqual([]);
    const hidden = databaseContent(file) as { models: unknown[]; jobs: unknown[] };
    expect(hidden.models).toHaveLength(600);
    expect(hidden.jobs).toHaveLength(600);
    zoo.close();
    const lab = await LabService.open({ home, shell: 'cli', workers: 1 });
    try {
      expect(await lab.listModels({})).toEqual([]);
      expect(await lab.listJobs({})).toEqual([]);
    } finally {
      await lab.close({ pauseRunning: true });
    }
    expect(databaseContent(file)).toEqual(before);
  });
});
