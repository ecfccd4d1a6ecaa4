/**
 * Compare as a tracker, on the demo project the welcome view opens: the run table's
 * metric columns (last, best, at an iteration) against the shipped bundle's metrics,
 * curves grouped by density with a ±1 std band and EMA smoothing (the exported curve CSV
 * against the same numbers computed here), side by side with deltas in percentage points,
 * a saved view restored after a reload, parallel coordinates brushed into the run table,
 * exports named after what they hold (PNG at 2×), and the layout at 1440 px.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { parseCsv } from '../../src-renderer/src/lib/csv.ts';
import { assert, test } from './harness.ts';

interface BundlePlaneSet {
  planes: { labels: [number, number, number] }[];
}

interface BundleModel {
  measurements: { iteration: number; plane: number; cp: number; scope: string; s: number }[];
  bundle: {
    model: { name: string; density: number; seed: number };
    metrics: { iteration: number; accuracy: number; loss: number }[];
  };
}

const demo = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../resources/demo/demo-project.json'), 'utf8'),
) as { project: { name: string }; planeSets: BundlePlaneSet[]; models: BundleModel[] };
const models = demo.models.map((m) => m.bundle);
const byName = (fragment: string) => {
  const found = models.filter((m) => m.model.name.includes(fragment));
  assert(found.length === 1, `the demo has ${found.length} models named like "${fragment}"`);
  return found[0];
};

/** The oracle: bias-corrected EMA, written out here as TensorBoard defines it. */
function ema(values: number[], weight: number): number[] {
  let last = 0;
  return values.map((value, index) => {
    last = last * weight + (1 - weight) * value;
    return last / (1 - weight ** (index + 1));
  });
}

function meanStd(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return [mean, Math.sqrt(variance)];
}

function close(actual: string, expected: number, what: string, tolerance = 1e-9): void {
  const value = Number(actual);
  assert(
    Number.isFinite(value) &&
      Math.abs(value - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `${what}: shown ${actual}, expected ${expected}`,
  );
}

const runs = (page: Page) => page.locator('table[aria-label=Runs]');
const runRow = (page: Page, fragment: string) =>
  runs(page).locator('tbody tr[data-model-id]', { hasText: fragment });

async function download(page: Page, click: () => Promise<void>) {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

test('the welcome view explains regions, blankets and s and opens the demo project', async ({
  page,
  url,
}) => {
  await page.goto(url);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  // The status bar says which backend trains in words; the raw note is on hover.
  const backend = page.locator('[data-testid=backend]');
  await backend.getByText(/^TensorFlow\.js: /).waitFor();
  const said = (await backend.innerText()).trim();
  const details = (await backend.getAttribute('title')) ?? '';
  assert(!/cannot find|error/i.test(said), `the status bar shows a raw error: "${said}"`);
  assert(details.startsWith('Training backend: '), `the backend's hover reads "${details}"`);
  if (details.startsWith('Training backend: wasm') && /tensorflow/i.test(details))
    assert(
      said === 'TensorFlow.js: WebAssembly backend (native TensorFlow not installed)',
      `the status bar reads "${said}"`,
    );
  const primer = await page.locator('[data-testid=primer]').innerText();
  for (const word of ['region', 'blanket', 'specialization', 'fig. 3.2', 'fig. B.1'])
    assert(primer.includes(word), `the welcome text lacks "${word}": ${primer}`);
  await page.getByRole('button', { name: 'Open the demo project' }).click();
  await page.waitForURL(/#\/compare/);
  await runs(page).and(page.locator('[data-total="6"]')).waitFor();
  const count = await page.locator('[data-testid=compare-count]').innerText();
  assert(count.startsWith('6 models'), `compare says "${count}"`);
});

test('metric columns show last, best and at-iteration values with their iteration', async ({
  page,
}) => {
  const sHint = await runs(page)
    .locator('th', { hasText: /^s @ cP 0\.8/ })
    .getAttribute('title');
  assert(
    /^Specialization s in \[0, 1\]/.test(sHint ?? ''),
    `the s column's hover reads "${sHint}"`,
  );
  const cpHint = await page.locator('.chart-panel label', { hasText: /^cP/ }).getAttribute('title');
  assert(/minimum coverage/.test(cpHint ?? ''), `the cP hover reads "${cpHint}"`);
  const sparse = byName('d=0.25 seed 2');
  const last = sparse.metrics.at(-1)!;
  const accuracy = runRow(page, 'd=0.25 seed 2').locator('td[data-column=val-accuracy]');
  const lastText = await accuracy.innerText();
  assert(
    lastText === `${(last.accuracy * 100).toFixed(2)} % @ ${last.iteration}`,
    `last validation accuracy shows "${lastText}"`,
  );
  await page.getByLabel('validation accuracy column shows').selectOption('best');
  const best = sparse.metrics.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  const bestText = await accuracy.innerText();
  assert(
    bestText === `${(best.accuracy * 100).toFixed(2)} % @ ${best.iteration}`,
    `best validation accuracy shows "${bestText}", expected ${best.accuracy} at ${best.iteration}`,
  );
  await page.getByLabel('At iteration').selectOption('25');
  await page.getByLabel('validation loss column shows').selectOption('at');
  const at25 = sparse.metrics.find((point) => point.iteration === 25)!;
  const lossText = await runRow(page, 'd=0.25 seed 2')
    .locator('td[data-column=val-loss]')
    .innerText();
  assert(lossText === `${at25.loss.toFixed(4)} @ 25`, `loss at iteration 25 shows "${lossText}"`);
  const header = await runs(page).locator('thead').innerText();
  assert(
    /validation loss/i.test(header) && /validation accuracy/i.test(header),
    `header: ${header}`,
  );
  // Sorting by the best accuracy puts the best dense run first.
  await runs(page)
    .getByRole('button', { name: /^validation accuracy/ })
    .click();
  const firstName = await runs(page).locator('tbody tr[data-model-id] td.name').first().innerText();
  const top = models.reduce((a, b) =>
    Math.max(...b.metrics.map((p) => p.accuracy)) > Math.max(...a.metrics.map((p) => p.accuracy))
      ? b
      : a,
  );
  assert(
    firstName.replace(/\s+/g, ' ').trim() === top.model.name,
    `first row is "${firstName}", expected ${top.model.name}`,
  );
});

test('curves grouped by density: mean ±1 std band and EMA smoothing, as exported', async ({
  page,
  shot,
}) => {
  await page.getByLabel('Curve metric').selectOption('val-accuracy');
  await page.getByLabel('Group by').selectOption('density');
  await page.getByLabel('Smoothing').fill('0.5');
  await page.locator('[data-testid=smoothing-value]', { hasText: '0.50' }).waitFor();
  const caption = page.locator('[data-testid=curves-caption]');
  await caption
    .getByText('grouped by density · mean ±1 std · EMA smoothing 0.50 (raw faint)')
    .waitFor();
  const names = await caption.locator('li').allInnerTexts();
  assert(
    JSON.stringify(names.map((n) => n.trim())) ===
      JSON.stringify(['density 0.250 · mean ±1 std (n=3)', 'density 1 · mean ±1 std (n=3)']),
    `legend reads ${JSON.stringify(names)}`,
  );
  await page.locator('.chart canvas').first().waitFor();
  await shot('compare-grouped-smoothed');
  const csv = await download(page, () =>
    page.locator('.chart-panel .settings').getByRole('button', { name: 'CSV' }).click(),
  );
  assert(
    /_val-accuracy-over-training-by-density_\d{8}-\d{6}(-\d+)?\.csv$/.test(csv.name),
    `curve CSV is named "${csv.name}"`,
  );
  const table = parseCsv(csv.bytes.toString('utf8'));
  assert(
    table[0].join(',') ===
      'curve,runs,iteration,val-accuracy_percent,smoothed_ema_0.5,band_low_std,band_high_std',
    `curve CSV header: ${table[0].join(',')}`,
  );
  for (const density of [1, 0.25]) {
    const group = models.filter((m) => m.model.density === density);
    const iterations = group[0].metrics.map((p) => p.iteration);
    const stats = iterations.map((it) =>
      meanStd(group.map((m) => m.metrics.find((p) => p.iteration === it)!.accuracy * 100)),
    );
    const smoothed = ema(
      stats.map(([mean]) => mean),
      0.5,
    );
    const low = ema(
      stats.map(([mean, std]) => mean - std),
      0.5,
    );
    const high = ema(
      stats.map(([mean, std]) => mean + std),
      0.5,
    );
    const label = `density ${density === 1 ? '1' : '0.250'} · mean ±1 std (n=3)`;
    const lines = table.filter((row) => row[0] === label);
    assert(
      lines.length === iterations.length,
      `${label}: ${lines.length} CSV lines, expected ${iterations.length}`,
    );
    lines.forEach((line, index) => {
      assert(Number(line[2]) === iterations[index], `${label}: iteration ${line[2]}`);
      close(line[3], stats[index][0], `${label} mean at ${iterations[index]}`);
      close(line[4], smoothed[index], `${label} smoothed at ${iterations[index]}`);
      close(line[5], low[index], `${label} band low at ${iterations[index]}`);
      close(line[6], high[index], `${label} band high at ${iterations[index]}`);
    });
  }
  await page.getByLabel('Band').selectOption('minmax');
  await caption.getByText('grouped by density · mean, min–max').waitFor();
  await page.getByLabel('log x').first().check();
  await shot('compare-grouped-minmax-logx');
  await page.getByLabel('Group by').selectOption('run');
  await caption.getByText('one line per run').waitFor();
  const perRun = await caption.locator('li').count();
  assert(perRun === 6, `every run: ${perRun} lines in the legend, expected 6`);
  await page.getByLabel('Group by').selectOption('density');
  await page.getByLabel('Band').selectOption('std');
  await page.getByLabel('log x').first().uncheck();
});

test('side by side: deltas in the metric’s unit, none for the seed, differences only', async ({
  page,
  shot,
}) => {
  await runRow(page, 'd=1 seed 0').locator('input[type=checkbox]').check();
  await runRow(page, 'd=0.25 seed 2').locator('input[type=checkbox]').check();
  const side = page.locator('table[aria-label="Picked models side by side"]');
  await side.waitFor();
  const base = byName('d=1 seed 0').metrics.at(-1)!.accuracy;
  const other = byName('d=0.25 seed 2').metrics.at(-1)!.accuracy;
  const points = (other - base) * 100;
  const expected = `${points < 0 ? '\u2212' : '+'}${Math.abs(points).toFixed(1)} pp`;
  const accuracyRow = side.locator('tr[data-attribute="validation accuracy"]');
  const shown = await accuracyRow.locator('td').nth(1).innerText();
  assert(
    shown.replace(/\s+/g, ' ').trim() === `${(other * 100).toFixed(2)} % ${expected}`,
    `accuracy cell reads "${shown}", expected "${(other * 100).toFixed(2)} % ${expected}"`,
  );
  const seedDelta = await side
    .locator('tr[data-attribute=seed] td')
    .nth(1)
    .locator('.delta')
    .count();
  assert(seedDelta === 0, 'the seed shows a difference');
  const lossCells = await side
    .locator('tr[data-attribute="validation loss"] td .value')
    .allInnerTexts();
  const decimals = lossCells.map((text) => text.split('.')[1]?.length ?? 0);
  assert(new Set(decimals).size === 1, `loss cells have mixed decimals: ${lossCells.join(' | ')}`);
  await page.getByLabel('differences only').check();
  assert(
    (await side.locator('tr[data-attribute=architecture]').count()) === 0,
    'the same architecture is still listed',
  );
  assert(
    (await side.locator('tr[data-attribute=density]').count()) === 1,
    'density, which differs, is hidden',
  );
  await shot('compare-side-by-side');
});

test('a saved view is the project’s default and comes back after a reload', async ({ page }) => {
  await page.getByRole('button', { name: 'Save view…' }).click();
  const input = page.locator('dialog[open] input');
  await input.fill('dense vs sparse');
  await input.press('Enter');
  await page
    .getByLabel('Saved view')
    .locator('option', { hasText: 'dense vs sparse (default)' })
    .waitFor({ state: 'attached' });
  await page.reload();
  await runs(page).and(page.locator('[data-total="6"]')).waitFor();
  await page.locator('[data-testid=smoothing-value]', { hasText: '0.50' }).waitFor();
  const group = await page.getByLabel('Group by').inputValue();
  assert(group === 'density', `group by after reload: ${group}`);
  const picked = await page.locator('[data-testid=runs-count]').innerText();
  assert(picked.endsWith('2 picked'), `after reload: "${picked}"`);
  const view = await page.getByLabel('Saved view', { exact: true }).inputValue();
  assert(view !== '', 'the default view is not shown as chosen after a reload');
  const mode = await page.getByLabel('validation accuracy column shows').inputValue();
  assert(mode === 'best', `the accuracy column mode after reload is "${mode}"`);
  await page.locator('table[aria-label="Picked models side by side"]').waitFor();
});

test('exports: a 2× PNG with a descriptive name, and the CSV of exactly the shown table', async ({
  page,
}) => {
  const png = await download(page, () =>
    page.locator('.chart-panel .settings').getByRole('button', { name: 'PNG' }).click(),
  );
  assert(
    /^dense_vs_sparse_val-accuracy-over-training-by-density_\d{8}-\d{6}(-\d+)?\.png$/.test(
      png.name,
    ),
    `PNG is named "${png.name}"`,
  );
  assert(png.bytes.subarray(1, 4).toString() === 'PNG', 'the PNG export is not a PNG');
  const box = (await page.locator('.chart-panel .chart').boundingBox())!;
  const width = png.bytes.readUInt32BE(16);
  assert(
    Math.abs(width - 2 * box.width) <= 2,
    `PNG is ${width} px wide for a ${box.width} px chart`,
  );
  const again = await download(page, () =>
    page.locator('.chart-panel .settings').getByRole('button', { name: 'PNG' }).click(),
  );
  assert(again.name !== png.name, `two exports share the name ${png.name}`);

  const csv = await download(page, () => page.getByRole('button', { name: 'CSV (shown)' }).click());
  assert(
    /^dense_vs_sparse_runs_cp0\.8_\d{8}-\d{6}(-\d+)?\.csv$/.test(csv.name),
    `table CSV is "${csv.name}"`,
  );
  const table = parseCsv(csv.bytes.toString('utf8'));
  const header = table[0];
  for (const column of [
    'name',
    'validation_accuracy_percent_best_max',
    'validation_accuracy_percent_best_max_iteration',
    'validation_loss_at_iteration_25',
    's_cp_0.8_last',
  ])
    assert(header.includes(column), `table CSV lacks ${column}: ${header.join(',')}`);
  assert(table.length === 7, `table CSV has ${table.length - 1} rows, expected the 6 shown`);
  const shownNames = (
    await runs(page).locator('tbody tr[data-model-id] td.name').allInnerTexts()
  ).map((n) => n.replace(/\s+/g, ' ').trim());
  const csvNames = table.slice(1).map((row) => row[header.indexOf('name')]);
  assert(
    JSON.stringify(shownNames) === JSON.stringify(csvNames),
    `CSV order ${csvNames} ≠ table ${shownNames}`,
  );
  const bestColumn = header.indexOf('validation_accuracy_percent_best_max');
  for (const row of table.slice(1)) {
    const model = byName(row[header.indexOf('name')].replace(/^FC\(8,4\) /, ''));
    const best = Math.max(...model.metrics.map((p) => p.accuracy)) * 100;
    close(row[bestColumn], best, `${model.model.name} best accuracy in the CSV`);
  }
});

test('parallel coordinates: brushing the density axis narrows the run table', async ({
  page,
  shot,
}) => {
  await page.getByRole('button', { name: /^Parallel coordinates/ }).click();
  const chart = page.locator('.chart-panel .chart');
  await chart.locator('canvas').first().waitFor();
  const box = (await chart.boundingBox())!;
  // Axes: hidden neurons, density, HNPs, seed, then the 4 metric columns; parallel left 60, right 80.
  const axisX = box.x + 60 + (1 * (box.width - 140)) / 7;
  const bottom = box.y + box.height - 30;
  const top = box.y + 80;
  await page.mouse.move(axisX, bottom + 6);
  await page.mouse.down();
  // The density axis is logarithmic from 0.1 to 1: 0.25 sits at 40 % of its height, 1 at the top.
  await page.mouse.move(axisX, bottom - (bottom - top) * 0.6, { steps: 8 });
  await page.mouse.up();
  await runs(page).and(page.locator('[data-total="3"]')).waitFor();
  const densities = await runs(page)
    .locator('tbody tr[data-model-id] td:nth-child(4)')
    .allInnerTexts();
  assert(
    densities.length === 3 && densities.every((d) => d.trim() === '0.250'),
    `brushed rows have densities ${densities.join(', ')}`,
  );
  await page.getByText('Brushed: 3 of 6 runs in the table.').waitFor();
  await shot('compare-parallel-brushed');
  await page.getByRole('button', { name: 'show all' }).click();
  await runs(page).and(page.locator('[data-total="6"]')).waitFor();
  await page.getByRole('button', { name: /^Curves over training/ }).click();
});

test('fits at 1440 px: the picked runs’ columns scroll, the labels stay', async ({
  page,
  shot,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  for (const fragment of ['d=1 seed 1', 'd=1 seed 2', 'd=0.25 seed 0', 'd=0.25 seed 1'])
    await runRow(page, fragment).locator('input[type=checkbox]').check();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert(overflow <= 1440, `the page is ${overflow} px wide at 1440 px`);
  const scroller = page.locator('.side-table .scroll');
  const label = page.locator(
    'table[aria-label="Picked models side by side"] tr[data-attribute=density] th',
  );
  const before = (await label.boundingBox())!.x;
  await scroller.evaluate((element) => (element.scrollLeft = element.scrollWidth));
  const after = (await label.boundingBox())!.x;
  assert(Math.abs(after - before) <= 1, `the attribute label moved from ${before} to ${after}`);
  await shot('compare-1440');
  await page.setViewportSize({ width: 1500, height: 920 });
});

test('first-week polish: SVG icons, toasts beside the buttons, a dark theme from the system', async ({
  page,
  shot,
}) => {
  // No emoji anywhere in the text (they render as empty boxes without an emoji font).
  const text = await page.evaluate(() => document.body.innerText);
  const emoji = text.match(/[\u{1F300}-\u{1FAFF}\u{2600}-\u{27BF}]/u);
  assert(emoji === null, `the page shows the emoji "${emoji?.[0]}"`);
  const icons = await page.locator('svg[data-icon]').count();
  assert(icons >= 4, `${icons} SVG icons on the page`);
  // A toast sits in its own row: it covers no button.
  await page.getByRole('button', { name: 'Save view…' }).click();
  const input = page.locator('dialog[open] input');
  await input.fill('second view');
  await input.press('Enter');
  const toast = page.locator('[role=status]', { hasText: 'View “second view” saved' });
  await toast.waitFor();
  const covered = await toast.evaluate((element) => {
    const box = element.getBoundingClientRect();
    return Array.from(document.querySelectorAll('button'))
      .filter((button) => !element.contains(button))
      .map((button) => ({ rect: button.getBoundingClientRect(), text: button.innerText }))
      .filter(
        ({ rect }) =>
          rect.width > 0 &&
          rect.left < box.right &&
          rect.right > box.left &&
          rect.top < box.bottom &&
          rect.bottom > box.top,
      )
      .map(({ text }) => text);
  });
  assert(covered.length === 0, `the toast covers the buttons ${covered.join(', ')}`);
  await page.emulateMedia({ colorScheme: 'dark' });
  const background = await page.evaluate(
    () => getComputedStyle(document.documentElement).backgroundColor,
  );
  assert(background === 'rgb(18, 22, 28)', `dark theme page background is ${background}`);
  const panel = await page
    .locator('.chart-panel')
    .evaluate((element) => getComputedStyle(element).backgroundColor);
  assert(panel === 'rgb(26, 32, 40)', `dark theme panel is ${panel}`);
  await shot('compare-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

test('a finished measure job’s detail shows its s and regions, as the model has them', async ({
  page,
  shot,
}) => {
  const name = 'FC(8,4) d=1 seed 0 mnist';
  await runRow(page, 'd=1 seed 0').getByRole('button', { name }).click();
  // Every loss and accuracy says whether it is training or validation; HNPs explained on hover.
  const facts = await page.locator('.facts dt').allInnerTexts();
  for (const label of ['validation accuracy', 'validation loss'])
    assert(facts.map((f) => f.trim()).includes(label), `model facts lack "${label}": ${facts}`);
  const hnps = await page.locator('.facts dt', { hasText: /^HNPs$/ }).getAttribute('title');
  assert(/weights and biases/.test(hnps ?? ''), `HNPs hover reads "${hnps}"`);
  await page.getByRole('button', { name: 'Measure', exact: true }).click();
  await page.locator('[role=status]', { hasText: 'Queued 1 measurement job' }).waitFor();
  await page.getByRole('button', { name: /^Runs/ }).click();
  const job = page.locator('.job', { hasText: 'measure' }).first();
  await page
    .locator('.job[data-state=done]', { hasText: 'measure' })
    .first()
    .waitFor({ timeout: 0 });
  await job.click();
  const header = page.locator('.table .row.header');
  const trainLoss = await header.getByText('train loss').getAttribute('title');
  assert(
    trainLoss === 'Training loss: cross-entropy of the last minibatch',
    `train loss hover: ${trainLoss}`,
  );
  assert((await header.getByText('val acc').count()) === 1, 'the job table does not say val acc');
  const result = page.locator('[data-testid=measure-result]');
  await result.getByText(`Measured: ${name}`).waitFor();
  // The oracle: the shipped measurements, s averaged over phenomena per plane, then planes.
  const shipped = demo.models.find((m) => m.bundle.model.name === name)!.measurements;
  for (const cp of [0.6, 0.8, 1]) {
    const planes = new Map<number, number[]>();
    for (const row of shipped.filter((r) => r.cp === cp && r.scope === 'last')) {
      planes.set(row.plane, [...(planes.get(row.plane) ?? []), row.s]);
    }
    const perPlane = [...planes.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    const expected = perPlane.reduce((a, b) => a + b, 0) / perPlane.length;
    const cell = await result
      .locator('tr', { hasText: `s @ cP ${cp}` })
      .locator('td')
      .innerText();
    assert(
      cell === expected.toFixed(3),
      `s at cP ${cp} shows ${cell}, expected ${expected.toFixed(3)}`,
    );
  }
  const empty = await page.getByText('Live training loss and validation accuracy appear').count();
  assert(empty === 0, 'the measure job still says live loss and accuracy appear while it runs');
  await shot('dashboard-measure-result');
});

test('planes: the blanket starts on a class of the spanning images; zoom keys need no click', async ({
  page,
  shot,
}) => {
  // From the measure job's detail to its model, then to its planes.
  await page
    .locator('[data-testid=measure-result]')
    .getByRole('button', { name: 'Open model' })
    .click();
  await page.locator('header button.primary', { hasText: 'Planes' }).click();
  const canvas = page.locator('.plane canvas').first();
  await canvas.waitFor({ timeout: 0 });
  const labels = demo.planeSets[0].planes[0].labels.map(String);
  await page.getByRole('button', { name: 'Blanket', exact: true }).click();
  const phenomenon = await page.getByLabel('Phenomenon', { exact: true }).inputValue();
  assert(
    labels.includes(phenomenon),
    `the blanket's phenomenon is ${phenomenon}, not one of ${labels}`,
  );
  await page.locator('body').click({ position: { x: 700, y: 5 } });
  assert((await canvas.getAttribute('data-zoomed')) === 'false', 'the plane starts zoomed');
  await page.keyboard.press('+');
  await page.locator('.plane canvas[data-zoomed=true]').first().waitFor();
  await page.keyboard.press('0');
  await page.locator('.plane canvas[data-zoomed=false]').first().waitFor();
  await shot('planes-default-phenomenon');
});

test('planes: the 10-class grid scrolls with its class row and cP column kept', async ({
  page,
  shot,
}) => {
  await page.getByRole('button', { name: 'Grid', exact: true }).click();
  const grid = page.locator('table[aria-label="Blankets: phenomena × cP"]');
  await grid.waitFor({ timeout: 0 });
  const columns = await grid.locator('thead th').count();
  assert(columns === 11, `the grid has ${columns - 1} class columns, expected 10`);
  const wrap = page.locator('.grid-wrap');
  const corner = grid.locator('thead th').first();
  const rowHead = grid.locator('tbody th.row-head').first();
  const before = { corner: (await corner.boundingBox())!, row: (await rowHead.boundingBox())! };
  await wrap.evaluate((element) => element.scrollTo(element.scrollWidth, element.scrollHeight));
  const scrolled = await wrap.evaluate((element) => element.scrollLeft + element.scrollTop);
  const after = { corner: (await corner.boundingBox())!, row: (await rowHead.boundingBox())! };
  assert(scrolled > 0, 'the 10-class grid fits here: nothing to scroll');
  assert(
    Math.abs(after.corner.x - before.corner.x) <= 1 &&
      Math.abs(after.corner.y - before.corner.y) <= 1,
    `the grid's header corner moved while scrolling ${scrolled} px`,
  );
  assert(Math.abs(after.row.x - before.row.x) <= 1, 'the cP column scrolled away');
  await shot('planes-grid-scrolled');
});
