/**
 * A researcher's session in browser mode, start to finish: the token guard, a project,
 * a designer that refuses bad input next to the field and stores nothing, a tiny MNIST
 * experiment launched and watched to the end, the model, the plane viewer with blankets,
 * side by side and the B.1-style grid, the compare charts and a CSV export, and project
 * export/import/delete. Screenshots go to tests/e2e/screenshots/.
 */
import { readFileSync } from 'node:fs';
import { parseCsv } from '../../src-renderer/src/lib/csv.ts';
import { assert, test, untilDone } from './harness.ts';

const PROJECT = 'E2E project';
const EXPERIMENT = 'smoke e2e';

test('refuses requests without the access token', async ({ base }) => {
  const bare = await fetch(`${base}/`);
  assert(bare.status === 401, `GET / without token answered ${bare.status}, expected 401`);
  const wrong = await fetch(`${base}/?token=not-the-token`);
  assert(wrong.status === 401, `GET / with a wrong token answered ${wrong.status}, expected 401`);
  const api = await fetch(`${base}/api`);
  assert(
    api.status === 401 || api.status === 426 || api.status === 400,
    `GET /api answered ${api.status}`,
  );
});

test('opens with the status bar showing shell, backend and connection', async ({
  page,
  url,
  shot,
}) => {
  await page.goto(url);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  await page.locator('[data-testid=shell]', { hasText: 'browser' }).waitFor();
  const backend = await page.locator('[data-testid=backend]').innerText();
  assert(
    /^TensorFlow\.js: (native TensorFlow|WebAssembly|plain JavaScript) backend/.test(backend),
    `status bar backend reads "${backend}"`,
  );
  await shot('01-empty-lab');
});

test('creates a project from the browser', async ({ page, shot }) => {
  await page.getByRole('button', { name: '+ New' }).click();
  const input = page.locator('dialog[open] input');
  await input.fill('   ');
  await input.press('Enter');
  await page.locator('dialog[open] [role=alert]', { hasText: 'must not be empty' }).waitFor();
  await input.fill(PROJECT);
  await input.press('Enter');
  await page.locator('.row.project', { hasText: PROJECT }).waitFor();
  await shot('02-project');
});

test('designer shows each bad field’s message next to it and stores nothing', async ({
  page,
  shot,
}) => {
  await page.getByRole('button', { name: /^Design/ }).click();
  await page.locator('#name').waitFor();
  await page.locator('#name').fill('draft');
  await page.locator('#name').fill('');
  await page.locator('#seeds').fill('1, x');
  await page.locator('#hiddenNeurons').fill('16, 0');
  await page.getByLabel('explicit densities').check();
  await page.locator('#densities').fill('0.5, 1.5');
  await page.locator('#iterations').fill('-3');
  const expect = async (field: string, text: string) => {
    const message = page.locator(`[data-field=${field}] [role=alert]`);
    await message.waitFor();
    const shown = await message.innerText();
    assert(shown.includes(text), `${field}: expected a message with "${text}", got "${shown}"`);
  };
  await expect('name', 'must not be empty');
  await expect('seeds', '"x" is not a number');
  await expect('hiddenNeurons', 'must be positive');
  await expect('densities', 'outside (0, 1]');
  await expect('iterations', 'at least 1');
  await page.getByRole('button', { name: 'Launch' }).click();
  // The refused launch is handled when the first invalid field has the focus.
  await page.waitForFunction(() => Boolean(document.activeElement?.closest('.designer .invalid')));
  await shot('03-designer-errors');
  const meta = await page
    .locator('.row.project', { hasText: PROJECT })
    .locator('.meta')
    .innerText();
  assert(meta.startsWith('0 exp'), `an invalid experiment was stored: project shows "${meta}"`);
  assert(page.url().includes('#/designer'), 'the designer navigated away on invalid input');
});

test('designs the smoke experiment and sees its plan before launch', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Smoke test' }).click();
  // Valid on its face, refused by the lab's setup generator: the message still lands on the field.
  await page.getByLabel('equal-HNP levels').check();
  await page.locator('#hnpLevels').fill('10');
  const refused = page.locator('[data-field=hnpLevels] [role=alert]');
  await refused.waitFor();
  await shot('04a-designer-server-refusal');
  await page.getByLabel('explicit densities').check();
  await refused.waitFor({ state: 'detached' });
  await page.locator('#name').fill(EXPERIMENT);
  // The plan comes from the lab, which times a short training on first use: the machine's time.
  await page.locator('[data-testid=job-count]').waitFor(untilDone);
  const jobs = await page.locator('[data-testid=job-count]').innerText();
  assert(/^\d+ jobs$/.test(jobs) && Number.parseInt(jobs) >= 2, `plan shows "${jobs}"`);
  const errors = await page.locator('.designer [role=alert]').count();
  assert(errors === 0, `the smoke preset shows ${errors} field errors`);
  await page.locator('canvas').first().waitFor();
  await shot('04-designer-plan');
});

test('launches and watches every job finish on the dashboard', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Launch' }).click();
  await page.waitForURL(/#\/runs\?experiment=\d+/, untilDone);
  await page.locator('.job[data-state]').first().waitFor();
  const jobStates = () =>
    page.$$eval('.job[data-state]', (rows) =>
      rows.map((r) => (r as HTMLElement).dataset.state ?? ''),
    );
  // Every job settles: all done, or one failed (then its error is shown below).
  const settled = (wantRunning: boolean) =>
    page.waitForFunction(
      (running) => {
        const all = Array.from(
          document.querySelectorAll<HTMLElement>('.job[data-state]'),
          (row) => row.dataset.state,
        );
        return (
          (running && all.includes('running')) ||
          all.includes('failed') ||
          (all.length > 0 && all.every((state) => state === 'done'))
        );
      },
      wantRunning,
      untilDone,
    );
  await settled(true);
  if ((await jobStates()).includes('running')) await shot('05-dashboard-running');
  await settled(false);
  const states = await jobStates();
  if (states.includes('failed')) {
    await page.locator('.job[data-state=failed]').first().click();
    const error = await page
      .locator('.error-text')
      .innerText()
      .catch(() => '(no error text)');
    throw new Error(`a job failed: ${error}`);
  }
  assert(
    states.length >= 2 && states.every((s) => s === 'done'),
    `jobs did not all finish: ${states.join(', ')}`,
  );
  await shot('06-dashboard-done');
});

test('opens a trained model: facts, mask heatmap, metrics and measurements', async ({
  page,
  shot,
}) => {
  await page.locator('.job[data-state=done] button[title="Open model"]').first().click();
  await page.waitForURL(/#\/model\/\d+/);
  await page.getByText('Accuracy and loss over training').waitFor();
  await page.locator('canvas[aria-label="Pruning-mask heatmap"]').waitFor();
  await page.locator('table[aria-label="Specialization per phenomenon and cP"]').waitFor(untilDone);
  const checkpoints = await page.locator('button', { hasText: /^Planes$/ }).count();
  assert(checkpoints >= 1, 'the model lists no checkpoints');
  await shot('07-model');
});

test('plane viewer draws the exact regions with spanning images and hover', async ({
  page,
  shot,
}) => {
  await page.getByRole('main').getByRole('button', { name: 'Planes p' }).click();
  await page.waitForURL(/#\/planes\?/);
  const canvas = page.locator('canvas[data-regions]').first();
  await canvas.waitFor(untilDone);
  const regions = Number(await canvas.getAttribute('data-regions'));
  assert(regions >= 1, `partition has ${regions} regions`);
  const label = await page.locator('[data-testid=region-count-a]').innerText();
  assert(label.includes('regions'), `region count label "${label}"`);
  await page.locator('[data-testid=draw-ms]').waitFor();
  const box = await canvas.boundingBox();
  assert(box, 'canvas has no box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.locator('[role=tooltip]', { hasText: 'region' }).waitFor();
  await shot('08-plane-regions');
});

test('blanket overlay is titled “covers X % · k constraints”', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Blanket', exact: true }).click();
  const title = page.locator('[data-testid=blanket-title-a]');
  await title.locator('b').waitFor(untilDone);
  const text = await title.innerText();
  assert(/covers \d+(\.\d)? % · \d+ constraints/.test(text), `blanket title reads "${text}"`);
  const other = await page
    .getByLabel('Side by side with')
    .evaluate(
      (select: HTMLSelectElement) =>
        Array.from(select.options).find((o) => o.value !== '' && !o.text.startsWith('(this model)'))
          ?.value,
    );
  assert(other, 'no other model to show side by side');
  await page.getByLabel('Side by side with').selectOption(other);
  await page.locator('[data-testid=blanket-title-b] b').waitFor(untilDone);
  assert(
    (await page.locator('canvas[data-regions]').count()) === 2,
    'side by side shows no second plane',
  );
  await shot('09-plane-blanket-side-by-side');
});

test('grid of phenomena × cP as in figures B.1–B.2', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Grid', exact: true }).click();
  const grid = page.locator('table[aria-label="Blankets: phenomena × cP"]');
  await grid.waitFor(untilDone);
  // Settled when no cell waits any more; then every cell holds a blanket, none an error.
  await grid.locator('.cell').first().waitFor();
  await grid
    .locator('.cell-wait')
    .first()
    .waitFor({ state: 'detached', ...untilDone });
  const cells = await grid.locator('.cell-title', { hasText: 'covers' }).count();
  const errors = await grid.locator('.cell .error').allInnerTexts();
  assert(errors.length === 0, `grid cells show errors: ${errors.join('; ')}`);
  assert(cells === 40, `grid shows ${cells} blankets, expected 10 classes × 4 cPs`);
  await shot('10-plane-grid');
});

test('plane viewer exports PNG and SVG of what it shows', async ({ page }) => {
  await page.getByRole('button', { name: 'Regions', exact: true }).click();
  await page.locator('canvas[data-regions]').first().waitFor();
  const regions = Number(
    await page.locator('canvas[data-regions]').first().getAttribute('data-regions'),
  );
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'PNG', exact: true }).click(),
  ]);
  const bytes = readFileSync(await png.path());
  assert(
    bytes.subarray(1, 4).toString() === 'PNG' && bytes.length > 2_000,
    `PNG export is ${bytes.length} bytes`,
  );
  const [svg] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'SVG', exact: true }).click(),
  ]);
  const text = readFileSync(await svg.path(), 'utf8');
  assert(text.startsWith('<svg'), 'SVG export is not an SVG document');
  const polygons = text.match(/<polygon /g)?.length ?? 0;
  assert(polygons >= regions, `SVG has ${polygons} polygons for ${regions} regions`);
});

test('compare view draws the thesis figures and exports a CSV', async ({ page, shot }) => {
  await page.getByRole('button', { name: /^Compare/ }).click();
  const table = page.locator('table[aria-label=Runs]');
  await table.locator('tbody tr input[type=checkbox]').first().waitFor(untilDone);
  const rows = await table.locator('tbody tr input[type=checkbox]').count();
  assert(rows === 2, `run table shows ${rows} models, expected 2`);
  await page.locator('.chart canvas').first().waitFor();
  await shot('11-compare-accuracy-density');
  await page.getByRole('button', { name: /Specialization over cP/ }).click();
  await page.locator('button.on', { hasText: /Specialization over cP/ }).waitFor();
  await shot('12-compare-s-cp');
  await page.getByRole('button', { name: /Over training/ }).click();
  await page.locator('button.on', { hasText: /Over training/ }).waitFor();
  await page.getByLabel('log x').check();
  await shot('13-compare-training');
  await table.locator('tbody tr input[type=checkbox]').nth(0).check();
  await table.locator('tbody tr input[type=checkbox]').nth(1).check();
  await page.locator('table[aria-label="Picked models side by side"]').waitFor();
  await page.getByLabel('differences only').check();
  const attributes = await page
    .locator('table[aria-label="Picked models side by side"] tbody tr')
    .count();
  assert(attributes >= 1, 'side-by-side table shows no differences');
  await shot('14-compare-picked');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'CSV (shown)' }).click(),
  ]);
  const path = await download.path();
  const csv = parseCsv(readFileSync(path, 'utf8'));
  const header = csv[0];
  // The CSV holds exactly the run table's columns (compare.e2e.ts checks its values).
  for (const column of [
    'model_id',
    'name',
    'density',
    'hnps',
    'validation_accuracy_percent_last',
    'regions_per_plane_last',
    's_cp_0.8_last',
  ]) {
    assert(header.includes(column), `CSV header lacks ${column}: ${header.join(',')}`);
  }
  assert(csv.length === 3, `CSV has ${csv.length - 1} data rows, expected 2`);
  const accuracy = header.indexOf('validation_accuracy_percent_last');
  const density = header.indexOf('density');
  const s = header.indexOf('s_cp_0.8_last');
  for (const row of csv.slice(1)) {
    const a = Number(row[accuracy]);
    assert(a >= 0 && a <= 100, `CSV accuracy ${row[accuracy]} % is not in [0, 100]`);
    assert(
      ['1', '0.5'].includes(row[density]),
      `CSV density ${row[density]} is not one of the smoke preset's`,
    );
    const value = Number(row[s]);
    assert(row[s] !== '' && value >= 0 && value <= 1, `CSV s at cP 0.8 is "${row[s]}"`);
  }
  const chartTools = page.locator('.chart-panel .settings');
  const [svg] = await Promise.all([
    page.waitForEvent('download'),
    chartTools.getByRole('button', { name: 'SVG' }).click(),
  ]);
  const text = readFileSync(await svg.path(), 'utf8');
  assert(
    text.includes('<svg') && text.includes('</svg>'),
    'chart SVG export is not an SVG document',
  );
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    chartTools.getByRole('button', { name: 'PNG' }).click(),
  ]);
  assert(
    readFileSync(await png.path())
      .subarray(1, 4)
      .toString() === 'PNG',
    'chart PNG export is not a PNG',
  );
});

test('keyboard: view keys, search focus, shortcut help', async ({ page }) => {
  await page.locator('body').click({ position: { x: 700, y: 5 } });
  await page.keyboard.press('r');
  await page.waitForURL(/#\/runs/);
  await page.keyboard.press('c');
  await page.waitForURL(/#\/compare/);
  await page.keyboard.press('/');
  assert(
    await page.getByLabel('Search models').evaluate((el) => el === document.activeElement),
    '/ did not focus search',
  );
  await page.keyboard.type('d=0.5');
  await page.locator('.tree .section', { hasText: '1 model matches' }).waitFor();
  await page.getByLabel('Search models').fill('');
  await page.getByLabel('Search models').dispatchEvent('input');
  await page.keyboard.press('Escape');
  await page.locator('.row.project', { hasText: PROJECT }).waitFor();
  await page.keyboard.press('?');
  await page.locator('dialog[open]', { hasText: 'Keyboard shortcuts' }).waitFor();
  await page.keyboard.press('Escape');
});

test('dashboard pauses, resumes, cancels and retries a long job', async ({ page, shot }) => {
  await page.getByRole('button', { name: /^Design/ }).click();
  await page.getByRole('button', { name: 'Smoke test' }).click();
  await page.locator('#name').fill('long run');
  await page.locator('#densities').fill('1');
  await page.locator('#iterations').fill('1000000');
  await page.locator('[data-testid=job-count]').waitFor(untilDone);
  await page.getByRole('button', { name: 'Launch' }).click();
  await page.waitForURL(/#\/runs\?experiment=\d+/, untilDone);
  const train = page.locator('.job', { hasText: 'train' }).first();
  const id = await train.getAttribute('data-job');
  // A state the lab reaches in its own time (a worker starting, pausing, cancelling).
  const waitState = (wanted: string[]) =>
    page
      .locator(wanted.map((state) => `.job[data-job="${id}"][data-state="${state}"]`).join(', '))
      .waitFor(untilDone);
  await waitState(['running']);
  await train.click();
  await page.locator('[aria-label="Job details"] canvas').waitFor(untilDone);
  await shot('17-dashboard-live');
  await train.getByRole('button', { name: 'Pause' }).click();
  await waitState(['paused']);
  await train.getByRole('button', { name: 'Resume' }).click();
  await waitState(['queued', 'running']);
  await train.getByRole('button', { name: 'Cancel' }).click();
  await waitState(['cancelled']);
  await train.getByRole('button', { name: 'Retry' }).click();
  await waitState(['queued', 'running']);
  await train.getByRole('button', { name: 'Cancel' }).click();
  await waitState(['cancelled']);
  await shot('18-dashboard-controls');
});

test('dashboard stays virtualised and filterable with the 70 training jobs of §6.2', async ({
  page,
  shot,
}) => {
  await page.getByRole('button', { name: /^Design/ }).click();
  await page.getByRole('button', { name: '§6.2 Lenet · Fashion' }).click();
  await page.locator('#name').fill('thesis 6.2 (saved, not run)');
  await page.locator('[data-testid=job-count]', { hasText: '140 jobs' }).waitFor(untilDone);
  await shot('19-designer-thesis-preset');
  await page.getByRole('button', { name: 'Save without running' }).click();
  // Saving draws the experiment's planes from Fashion-MNIST in a worker: the machine's time.
  await page.waitForURL(/#\/runs\?experiment=\d+/, untilDone);
  // Saved without running: the 70 training jobs wait, paused (measure jobs follow training).
  await page.locator('.chip-button', { hasText: /^all 70$/ }).waitFor();
  const rendered = await page.locator('.job').count();
  assert(rendered > 0 && rendered < 60, `${rendered} job rows in the DOM for 70 jobs`);
  const first = Number(await page.locator('.job').first().getAttribute('data-job'));
  const scroller = page.locator('[role=list][aria-label=Jobs]');
  await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await page.locator(`.job[data-job="${first + 69}"]`).waitFor();
  const last = await page.locator('.job').last().getAttribute('data-job');
  assert(
    Number(last) === first + 69,
    `the last row after scrolling is job ${last}, expected ${first + 69}`,
  );
  await page.getByLabel('Filter jobs').fill('Lenet(12,4)');
  await page.waitForFunction(() => document.querySelectorAll('.job').length === 10);
  await shot('20-dashboard-70-jobs');
  const row = page.locator('.tree .row', { hasText: 'thesis 6.2' });
  await row.hover();
  await row.getByTitle('Delete experiment').click();
  await page.locator('dialog[open] button.danger').click();
  await row.waitFor({ state: 'detached' });
});

test('renames, notes, tags, searches by tag, exports and re-imports a model', async ({
  page,
  shot,
}) => {
  const project = page.locator('.row.project', { hasText: PROJECT }).first();
  await project.hover();
  await project.getByTitle('Notes').click();
  await page.locator('dialog[open] textarea').fill('Checked by the e2e suite.');
  await page.locator('dialog[open] button.primary').click();
  await page.getByRole('button', { name: /^Project/ }).click();
  await page.locator('pre.notes', { hasText: 'Checked by the e2e suite.' }).waitFor();

  const experiment = page.locator('.tree .row', { hasText: EXPERIMENT });
  if ((await page.locator('.tree .row', { hasText: 'seed 0 mnist' }).count()) === 0)
    await experiment.getByRole('button', { name: `Models of ${EXPERIMENT}` }).click();
  const model = page.locator('.tree .row', { hasText: 'd=0.5' }).first();
  await model.hover();
  await model.getByTitle('Rename').click();
  await page.locator('dialog[open] input').fill('sparse twin');
  await page.locator('dialog[open] input').press('Enter');
  const renamed = page.locator('.tree .row', { hasText: 'sparse twin' }).first();
  await renamed.waitFor();
  await renamed.hover();
  await renamed.getByTitle('Tags').click();
  await page.locator('dialog[open] input').fill('sparse, e2e');
  await page.locator('dialog[open] input').press('Enter');
  await renamed.locator('.tag', { hasText: 'e2e' }).waitFor();
  await page.getByLabel('Filter by tag').selectOption('sparse');
  await page.locator('.tree .section', { hasText: '1 model matches' }).waitFor();
  await shot('21-browser-tag-filter');
  await page.getByLabel('Filter by tag').selectOption('');
  await page.locator('.row.project', { hasText: PROJECT }).first().waitFor();

  await renamed.hover();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    renamed.getByTitle(/^Export model/).click(),
  ]);
  const json = readFileSync(await download.path(), 'utf8');
  const parsed = JSON.parse(json) as { format?: string; layers?: unknown[] };
  assert(
    parsed.format === 'mbh-model-bundle' ||
      (parsed.format === 'mbh-model' && Array.isArray(parsed.layers)),
    `exported model has format ${parsed.format}`,
  );
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: '⤒ import model' }).first().click(),
  ]);
  await chooser.setFiles({
    name: 'twin-copy.json',
    mimeType: 'application/json',
    buffer: Buffer.from(json),
  });
  await page.waitForURL(/#\/model\/\d+/);
  await page.locator('h1', { hasText: 'twin-copy' }).waitFor();
  await shot('22-imported-model');
});

test('exports a project, imports it back, and deletes the copy after confirmation', async ({
  page,
  shot,
}) => {
  const row = page.locator('.row.project', { hasText: PROJECT }).first();
  await row.hover();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    row.getByTitle('Export project').click(),
  ]);
  const json = readFileSync(await download.path(), 'utf8');
  assert(json.length > 100 && json.trim().startsWith('{'), 'the exported project is not JSON');
  const before = await page.locator('.row.project').count();
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: 'Import', exact: true }).click(),
  ]);
  await chooser.setFiles({
    name: 'project.json',
    mimeType: 'application/json',
    buffer: Buffer.from(json),
  });
  await page.waitForFunction(
    (n) => document.querySelectorAll('.row.project').length === n + 1,
    before,
  );
  await shot('15-imported');
  const copy = page.locator('.row.project').last();
  await copy.hover();
  await copy.getByTitle('Delete project').click();
  await page.locator('dialog[open]', { hasText: 'cannot be undone' }).waitFor();
  await page.locator('dialog[open] button.danger').click();
  await page.waitForFunction((n) => document.querySelectorAll('.row.project').length === n, before);
});
