/**
 * Jobs at scale on the dashboard: 250 trainings saved without running, then "Cancel
 * shown" (after a confirmation that says how many), "Retry shown" and "Pause shown", each
 * ONE api call (counted on the WebSocket) whose result is said in numbers that match the
 * state chips; rows that hold still under the pointer while jobs change state. The
 * experiment is deleted at the end, so later files see none of it.
 */
import type { Page } from 'playwright-core';
import { assert, test } from './harness.ts';

/** A wait on the machine's work (planning, workers): no time limit of its own. */
const untilDone = { timeout: 0 } as const;

const SEEDS = 125; // × 2 densities of the smoke preset = 250 trainings
let sent: string[] = [];

const chip = (page: Page, state: string) =>
  page.locator('.chip-button', { has: page.locator(`.badge.state-${state}`) }).locator('b');

async function toast(page: Page, pattern: RegExp): Promise<string> {
  const element = page.locator('[role=status]', { hasText: pattern }).last();
  await element.waitFor();
  return element.innerText();
}

function calls(method: string): number {
  return sent.filter((frame) => frame.includes(`"method":"${method}"`)).length;
}

test('250 trainings saved without running wait paused', async ({ page, url }) => {
  page.on('websocket', (socket) =>
    socket.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') sent.push(frame.payload);
    }),
  );
  await page.goto(url);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  await page.getByRole('button', { name: '+ New' }).click();
  const input = page.locator('dialog[open] input');
  await input.fill('Bulk e2e');
  await input.press('Enter');
  await page.getByRole('button', { name: /^Design/ }).click();
  await page.getByRole('button', { name: 'Smoke test' }).click();
  await page.locator('#name').fill('bulk 250');
  await page.locator('#seeds').fill(`0-${SEEDS - 1}`);
  // Planning calibrates this machine's speeds on first use: the machine's time.
  await page.locator('[data-testid=job-count]', { hasText: '500 jobs' }).waitFor(untilDone);
  await page.getByRole('button', { name: 'Save without running' }).click();
  await page.waitForURL(/#\/runs\?experiment=\d+/, untilDone);
  await page.locator('.chip-button', { hasText: /^all 250$/ }).waitFor(untilDone);
  const paused = await chip(page, 'paused').innerText();
  assert(paused === '250', `paused chip reads ${paused}`);
});

test('cancel shown asks first, then cancels all 250 in one call', async ({ page, shot }) => {
  sent = [];
  await page.getByRole('button', { name: 'Cancel shown' }).click();
  const dialog = page.locator('dialog[open]');
  await dialog.getByText('Cancel 250 jobs?').waitFor();
  await shot('jobs-bulk-confirm');
  await dialog.getByRole('button', { name: 'Cancel 250' }).click();
  const said = await toast(page, /cancelled/);
  assert(said.startsWith('250 cancelled'), `the result reads "${said}"`);
  await page
    .locator('.chip-button', { has: page.locator('.badge.state-cancelled') })
    .filter({ hasText: '250' })
    .waitFor();
  assert(calls('bulkJobs') === 1, `${calls('bulkJobs')} bulkJobs calls`);
  assert(calls('cancelJob') === 0, `${calls('cancelJob')} single cancelJob calls`);
});

test('retry then pause shown: one call each, the numbers match the chips', async ({ page }) => {
  sent = [];
  await page.getByRole('button', { name: 'Retry shown' }).click();
  const retried = await toast(page, /queued again/);
  assert(retried.startsWith('250 queued again'), `retry says "${retried}"`);
  await page.getByRole('button', { name: 'Pause shown' }).click();
  const said = await toast(page, /paused/);
  const count = Number(/^(\d+) paused/.exec(said)?.[1]);
  assert(count >= 1 && count <= 250, `pause says "${said}"`);
  assert(
    calls('bulkJobs') === 2 && calls('pauseJob') === 0 && calls('retryJob') === 0,
    'not one call per action',
  );
  // Paused jobs stay paused: the chip holds the number the result said once running ones stopped.
  await page
    .locator('.job[data-state=running]')
    .first()
    .waitFor({ state: 'detached', ...untilDone });
  const chipText = await chip(page, 'paused').innerText();
  assert(Number(chipText) === count, `paused chip ${chipText}, the result said ${count}`);
});

test('rows hold still under the pointer while jobs change state', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Resume shown' }).click();
  await toast(page, /resumed/);
  const list = page.locator('[role=list][aria-label=Jobs]');
  await list.hover({ position: { x: 200, y: 60 } });
  await page.locator('.hold[data-holding=true]').waitFor();
  const order = async () =>
    page.$$eval('.job[data-job]', (rows) =>
      rows.slice(0, 12).map((row) => (row as HTMLElement).dataset.job),
    );
  const before = await order();
  const states = async () =>
    page.$$eval('.job[data-job]', (rows) =>
      rows.slice(0, 12).map((row) => (row as HTMLElement).dataset.state),
    );
  const startStates = await states();
  // Wait until a job among the first rows has changed state (a worker's time).
  await page.waitForFunction(
    (start) => {
      const now = Array.from(document.querySelectorAll<HTMLElement>('.job[data-job]'))
        .slice(0, 12)
        .map((row) => row.dataset.state);
      return now.some((state, index) => state !== start[index]);
    },
    startStates,
    { timeout: 0 },
  );
  const after = await order();
  assert(
    JSON.stringify(after) === JSON.stringify(before),
    `rows moved under the pointer: ${before} → ${after}`,
  );
  await shot('jobs-bulk-held');
  await page.mouse.move(5, 5);
  await page.locator('.hold[data-holding=false]').waitFor();
});

test('cleanup: cancel what is left and delete the experiment', async ({ page }) => {
  await page.getByRole('button', { name: 'Cancel shown' }).click();
  await page.locator('dialog[open] button.danger').click();
  await toast(page, /cancelled/);
  const row = page.locator('.tree .row', { hasText: 'bulk 250' });
  await row.hover();
  await row.getByTitle('Delete experiment').click();
  await page.locator('dialog[open] button.danger').click();
  await row.waitFor({ state: 'detached', ...untilDone });
});
