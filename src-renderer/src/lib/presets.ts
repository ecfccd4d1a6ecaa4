/**
 * Designer presets: the thesis' experiments (sections 6.2 and 6.3) and a smoke test that
 * finishes in seconds. Datasets are named by a hint and matched against the lab's list.
 */
import type { DatasetSummary } from '../../../src-shared/api/dto.ts';
import { DEFAULT_CPS, type ExperimentForm } from './spec-form.ts';

export interface Preset {
  id: string;
  label: string;
  description: string;
  datasetHints: string[];
  form: Partial<ExperimentForm>;
}

const LENET_SIZES = '400, 136, 46, 16';
const THESIS_LEVELS = '265600, 83572, 27871, 9472, 4744';

export const PRESETS: readonly Preset[] = [
  {
    id: 'smoke',
    label: 'Smoke test',
    description:
      'Two tiny networks, 60 iterations, two planes: checks the whole pipeline in seconds.',
    datasetHints: ['digit', 'mnist', 'xor'],
    form: {
      name: 'smoke',
      family: 'custom',
      customWidths: '4, 2',
      mode: 'density',
      densities: '1, 0.5',
      seeds: '0',
      iterations: '60',
      checkpoints: 'default',
      pruningKind: 'random',
      planeCount: '2',
      planeSeed: '0',
      cps: '0.8, 1',
    },
  },
  {
    id: 'thesis-6.2-fashion',
    label: '§6.2 Lenet · Fashion',
    description:
      'Figures 6.1–6.4: 14 equal-HNP Lenet setups, 5 seeds, Fashion MNIST, 50k iterations.',
    datasetHints: ['fashion'],
    form: {
      name: 'Lenet equal-HNP (Fashion)',
      family: 'lenet',
      hiddenNeurons: LENET_SIZES,
      mode: 'hnp',
      hnpLevels: THESIS_LEVELS,
      seeds: '0-4',
      iterations: '50000',
      checkpoints: 'default',
      pruningKind: 'random',
      planeCount: '10',
      cps: DEFAULT_CPS,
    },
  },
  {
    id: 'thesis-6.2-digits',
    label: '§6.2 Lenet · Digits',
    description: 'Figures 6.2–6.3 first row: the same 14 setups on Digit MNIST, 3 seeds.',
    datasetHints: ['digit', 'mnist'],
    form: {
      name: 'Lenet equal-HNP (Digits)',
      family: 'lenet',
      hiddenNeurons: LENET_SIZES,
      mode: 'hnp',
      hnpLevels: THESIS_LEVELS,
      seeds: '0-2',
      iterations: '50000',
      checkpoints: 'default',
      pruningKind: 'random',
      planeCount: '10',
      cps: DEFAULT_CPS,
    },
  },
  {
    id: 'thesis-6.3-training',
    label: '§6.3 over training',
    description: 'Figures 6.8/6.10: Lenets at 9.5k HNPs, every checkpoint measured.',
    datasetHints: ['fashion'],
    form: {
      name: 'Lenet 9.5k HNPs over training',
      family: 'lenet',
      hiddenNeurons: LENET_SIZES,
      mode: 'hnp',
      hnpLevels: '9472',
      seeds: '0-2',
      iterations: '50000',
      checkpoints: 'all',
      pruningKind: 'random',
      planeCount: '5',
      cps: DEFAULT_CPS,
    },
  },
  {
    id: 'thesis-6.3-deepfc',
    label: '§6.3 DeepFC',
    description: 'Figures 6.11–6.12: DeepFC (2n, n, n) with the Lenets’ hidden-neuron counts.',
    datasetHints: ['fashion'],
    form: {
      name: 'DeepFC equal-HNP (Fashion)',
      family: 'deepfc',
      hiddenNeurons: LENET_SIZES,
      mode: 'density',
      densities: '1, 0.3136, 0.1036, 0.0342, 0.0164',
      seeds: '0-4',
      iterations: '50000',
      checkpoints: 'default',
      pruningKind: 'random',
      planeCount: '10',
      cps: DEFAULT_CPS,
    },
  },
];

/** The first dataset whose id or name contains a hint, in hint order. */
export function datasetForHints(
  hints: readonly string[],
  datasets: readonly DatasetSummary[],
): string | null {
  for (const hint of hints) {
    const found = datasets.find(
      (d) => d.id.toLowerCase().includes(hint) || d.name.toLowerCase().includes(hint),
    );
    if (found) return found.id;
  }
  return datasets[0]?.id ?? null;
}
