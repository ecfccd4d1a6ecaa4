/**
 * An experiment's reproducible report (issue 11 §6): gathers the spec, the environment
 * (app version, runtime, training backends and paths, dataset cache hashes, seeds), the
 * setups with bootstrap intervals, the training curves and exact-pattern results from the
 * zoo, and renders them as one self-contained HTML file (src-shared/report).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import type { ExportedFile } from '../../src-shared/api/contract.ts';
import {
  reportHtml,
  type ReportData,
  type ReportSetup,
} from '../../src-shared/report/report-html.ts';
import { CONFIDENCE } from '../../src-shared/stats/bootstrap.ts';
import type { DatasetEntry } from '../data/registry.ts';
import type { Zoo } from '../zoo/zoo.ts';
import type { LabAnalyses } from './analyses.ts';
import { compareRow, HEADLINE_CP } from './compare.ts';
import { setupKey } from './setups.ts';

/** Bootstrap resamples per interval in a report (enough for two stable decimals). */
const REPORT_RESAMPLES = 4_000;
const REPORT_SEED = 0;

export interface ReportDeps {
  zoo: Zoo;
  analyses: LabAnalyses;
  version: string;
  datasets: DatasetEntry[];
  /** The dataset's cache file, hashed into the report. */
  datasetFile(id: string): string;
}

async function sha256(file: string): Promise<string | null> {
  if (!existsSync(file)) return null;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function meanOf(values: (number | null)[]): number | null {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length;
}

export async function buildReport(
  deps: ReportDeps,
  experimentId: number,
  planeSetId: number | undefined,
): Promise<ExportedFile> {
  const { zoo, analyses } = deps;
  const experiment = zoo.experiments.get(experimentId);
  const models = zoo.models.list({ experimentId });
  const planeSet = planeSetId ?? experiment.planeSetId ?? undefined;
  const rows = models.map((model) => compareRow(zoo, model, planeSet));
  const bySetup = new Map<string, typeof models>();
  for (const model of models)
    bySetup.set(setupKey(model), [...(bySetup.get(setupKey(model)) ?? []), model]);
  const measured = (modelId: number) =>
    rows.find((row) => row.modelId === modelId)!.sByCp.length > 0;
  const setups: ReportSetup[] = [];
  for (const [key, members] of bySetup) {
    const ids = members.map((model) => model.id);
    const setupRows = rows.filter((row) => ids.includes(row.modelId));
    const cps = [...new Set(setupRows.flatMap((row) => row.sByCp.map((entry) => entry.cp)))].sort(
      (a, b) => a - b,
    );
    const measuredIds = ids.filter(measured);
    const statistics = (cp: number) =>
      analyses.statistics({
        setups: [measuredIds],
        cp,
        resamples: REPORT_RESAMPLES,
        seed: REPORT_SEED,
        ...(planeSet !== undefined ? { planeSetId: planeSet } : {}),
      }).setups[0];
    const sByCp = measuredIds.length === 0 ? [] : cps.map((cp) => ({ cp, s: statistics(cp).s }));
    const accuracies = members.map((model) => model.accuracy);
    const iterations = [
      ...new Set(setupRows.flatMap((row) => row.training.map((point) => point.iteration))),
    ].sort((a, b) => a - b);
    const exactRows =
      measuredIds.length === 0
        ? []
        : analyses.exactComparison({
            modelIds: measuredIds,
            ...(planeSet !== undefined ? { planeSetId: planeSet } : {}),
          });
    const exactCps = [
      ...new Set(exactRows.flatMap((row) => row.byCp.map((entry) => entry.cp))),
    ].sort((a, b) => a - b);
    const first = members[0];
    setups.push({
      key,
      family: first.family,
      hidden: first.hidden,
      density: first.density,
      hnps: first.hnps,
      datasetId: first.datasetId,
      modelIds: ids,
      seeds: members.map((model) => model.seed),
      accuracy: accuracies.every((value) => value !== null)
        ? analyses.bootstrapAccuracy(accuracies as number[], REPORT_RESAMPLES, REPORT_SEED)
        : null,
      sByCp,
      regions: meanOf(setupRows.map((row) => row.regions)),
      training: iterations.map((iteration) => {
        const points = setupRows.map(
          (row) => row.training.find((point) => point.iteration === iteration) ?? null,
        );
        return {
          iteration,
          s: meanOf(points.map((point) => point?.s ?? null)),
          accuracy: meanOf(points.map((point) => point?.accuracy ?? null)),
          regions: meanOf(points.map((point) => point?.regions ?? null)),
        };
      }),
      exact: exactCps.map((cp) => {
        const cells = exactRows.flatMap((row) => row.byCp.filter((entry) => entry.cp === cp));
        return {
          cp,
          s: meanOf(cells.map((cell) => cell.s))!,
          sExact: meanOf(cells.map((cell) => cell.sExact))!,
          missed: meanOf(cells.map((cell) => cell.missed))!,
          optimal: meanOf(cells.map((cell) => cell.optimal))!,
        };
      }),
    });
  }
  const datasetIds = [...new Set(models.map((model) => model.datasetId))];
  const datasets = await Promise.all(
    datasetIds.map(async (id) => {
      const entry = deps.datasets.find((candidate) => candidate.id === id);
      return {
        id,
        name: entry?.name ?? id,
        sha256: await sha256(deps.datasetFile(id)),
        train: entry?.trainCount ?? 0,
        test: entry?.testCount ?? 0,
      };
    }),
  );
  const trainerOf = (model: (typeof models)[number]): string | null =>
    'trainer' in model && typeof model.trainer === 'string' ? model.trainer : null;
  const data: ReportData = {
    title: `MBH Lab report — ${experiment.name}`,
    generatedAt: new Date().toISOString(),
    experimentId,
    spec: experiment.spec,
    planeSetId: planeSet ?? null,
    headlineCp: HEADLINE_CP,
    environment: {
      appVersion: deps.version,
      runtime: `Node.js ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
      platform: `${process.platform} ${process.arch}`,
      backends: [
        ...new Set(
          models
            .map((model) => model.backend)
            .filter((b): b is NonNullable<typeof b> => b !== null),
        ),
      ],
      trainers: [...new Set(models.map(trainerOf).filter((t): t is string => t !== null))],
      datasets,
      seeds: [...new Set(models.map((model) => model.seed))].sort((a, b) => a - b),
      bootstrap: { resamples: REPORT_RESAMPLES, seed: REPORT_SEED, confidence: CONFIDENCE },
    },
    setups,
    models: models.map((model) => {
      const row = rows.find((candidate) => candidate.modelId === model.id)!;
      return {
        id: model.id,
        name: model.name,
        setup: setupKey(model),
        seed: model.seed,
        accuracy: model.accuracy,
        s: row.sByCp.find((entry) => entry.cp === HEADLINE_CP)?.s ?? null,
        backend: model.backend,
        trainer: trainerOf(model),
      };
    }),
  };
  const slug =
    experiment.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'experiment';
  return { fileName: `${slug}-report.html`, content: reportHtml(data) };
}
