/**
 * Makes the demo project shipped in resources/demo/: trains the small networks of
 * resources/demo/demo-spec.json (dense vs sparse, three seeds each) with the lab itself,
 * measures them on one shared plane set, and writes the project bundle the welcome
 * view's "Open the demo project" imports. Run again after a change to the spec or to the
 * bundle format:
 *
 *   node --import tsx scripts/make-demo.ts
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabService } from '../src-main/lab/service.ts';

const root = new URL('..', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'mbh-demo-'));
const spec = JSON.parse(
  readFileSync(join(root, 'resources/demo/demo-spec.json'), 'utf8'),
) as unknown;
const lab = await LabService.open({
  shell: 'cli',
  home,
  zooPath: join(home, 'demo.zoo'),
  workers: 2,
});
try {
  const project = await lab.createProject({
    name: 'Demo: dense vs sparse',
    description:
      'Six small Digit MNIST networks (8, 4): dense and at density 0.25, three seeds each, measured on two shared planes. Made by scripts/make-demo.ts.',
  });
  const created = await lab.createExperiment({
    projectId: project.id,
    spec,
    launch: true,
  } as never);
  process.stderr.write(`demo: ${created.jobs.length} trainings, then their measurements\n`);
  await lab.start();
  await lab.idle();
  const jobs = await lab.listJobs({});
  const notDone = jobs.filter((job) => job.state !== 'done');
  if (notDone.length > 0)
    throw new Error(
      `demo: jobs not done: ${notDone.map((job) => `${job.label} ${job.state} ${job.error ?? ''}`).join('; ')}`,
    );
  const exported = await lab.exportProject({ id: project.id });
  const out = join(root, 'resources/demo/demo-project.json');
  writeFileSync(out, exported.content);
  process.stderr.write(
    `demo: ${jobs.length} jobs done; wrote ${out} (${(exported.content.length / 1e6).toFixed(2)} MB)\n`,
  );
} finally {
  await lab.close({ pauseRunning: false });
  rmSync(home, { recursive: true, force: true });
}
