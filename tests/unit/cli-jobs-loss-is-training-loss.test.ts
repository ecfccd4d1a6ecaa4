/**
 * Bug: `mbh-lab jobs` printed "loss 0.1234 acc 97.00%" for a training job: the loss is the
 * last minibatch's training loss, the accuracy (like a model's loss and accuracy) is on the
 * validation split, and nothing said so. The line now reads "train loss … val acc …".
 */
import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../../src-shared/api/dto.ts';
import { describeJob } from '../../src-main/cli/progress.ts';

const job: JobSummary = {
  id: 3,
  kind: 'train',
  state: 'done',
  experimentId: null,
  modelId: 1,
  label: 'FC(4,2) xor',
  progress: 1,
  iteration: 150,
  iterations: 150,
  loss: 0.1234,
  accuracy: 0.97,
  etaSeconds: null,
  backend: 'cpu',
  trainer: 'tfjs',
  msPerIteration: 2.5,
  error: null,
  worker: 'local',
  createdAt: 0,
  startedAt: 0,
  finishedAt: 0,
  attempts: 1,
};

describe('jobs listing', () => {
  it('labels the training loss and the validation accuracy', () => {
    const line = describeJob(job);
    expect(line).toContain('train loss 0.1234');
    expect(line).toContain('val acc 97.00%');
    expect(line).not.toMatch(/(^|[^n] )loss /);
  });

  it('shows neither for a job that has no metrics yet', () => {
    const line = describeJob({ ...job, state: 'queued', loss: null, accuracy: null });
    expect(line).not.toMatch(/loss|acc/);
  });
});
