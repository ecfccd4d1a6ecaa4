/**
 * "+ planes" (issue 10 §4): the plane viewer's dialog asks for count, seed and how the
 * spanning images are chosen. A class the dataset lacks shows the lab's own error beside
 * the classes field and stores nothing; classes 0, 1, 9 make a set that is listed as
 * "classes 0, 1, 9" and selected, every plane of it spanned by images of classes 0, 1 and
 * 9 in that order (the captions come from the dataset's labels of the images shown), and
 * the blanket's phenomenon follows the spanning images until the user picks one. The
 * model is the demo project's; the lab is asked over its own WebSocket for the oracle.
 */
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import { createClient, type LabClient } from '../../src-shared/api/client.ts';
import {
  createWebSocketTransport,
  type SocketLike,
} from '../../src-shared/api/websocket-transport.ts';
import { assert, test, untilDone } from './harness.ts';

const COUNT = 2;
const SEED = 7;
let api: LabClient;
let closeApi: () => void = () => {};

const dialog = (page: Page) => page.locator('dialog[open]', { hasText: 'New plane set' });

/** The spanning images' captions without their markers (○ □ △): the classes shown. */
async function captions(page: Page): Promise<string[]> {
  const texts = await page
    .locator('aside[aria-label="Spanning images"] figcaption')
    .allInnerTexts();
  return texts.map((text) => text.replace(/^[○□△]\s*/, '').trim());
}

async function selectedText(page: Page, label: string): Promise<string> {
  return page
    .getByLabel(label, { exact: true })
    .evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.text ?? '');
}

test('opens the demo model in the plane viewer', async ({ page, url, base, token }) => {
  const transport = createWebSocketTransport({
    url: `${base.replace(/^http/, 'ws')}/api`,
    token,
    createSocket: (address) => new WebSocket(address) as unknown as SocketLike,
    reconnect: false,
  });
  closeApi = () => transport.close();
  api = createClient(transport);
  const project = await api.openDemoProject({});
  const [model] = await api.listModels({ projectId: project.id });
  assert(model?.datasetId === 'mnist', 'the demo project has no Digit MNIST model');
  await page.goto(`${url}#/planes?model=${model.id}`);
  await page.locator('canvas[data-regions]').first().waitFor(untilDone);
});

test('a class the dataset lacks shows the lab’s error in the dialog, nothing stored', async ({
  page,
  shot,
}) => {
  const before = await api.listPlaneSets({ datasetId: 'mnist' });
  await page.getByRole('button', { name: '+ planes' }).click();
  const form = dialog(page);
  await form.waitFor();
  await form.getByLabel('given classes, a random image of each per plane').check();
  await form.locator('#plane-set-classes').fill('0, 1, 10');
  await form.getByRole('button', { name: 'Create' }).click();
  const error = form.locator('#plane-set-classes-error');
  await error.waitFor(untilDone);
  const text = await error.innerText();
  assert(
    text === 'class 10 does not exist (the dataset has classes 0–9)',
    `the classes field says "${text}"`,
  );
  await shot('planes-dialog-invalid-class');
  const after = await api.listPlaneSets({ datasetId: 'mnist' });
  assert(after.length === before.length, `${after.length - before.length} plane sets were stored`);
});

test('classes 0, 1, 9 make a set listed in words, every plane spanned by those classes', async ({
  page,
  shot,
}) => {
  const form = dialog(page);
  await form.locator('#plane-set-classes').fill('0, 1, 9');
  assert(
    (await form.locator('#plane-set-classes-error').count()) === 0,
    'the error stays after the classes were edited',
  );
  await form.locator('#plane-set-count').fill(String(COUNT));
  await form.locator('#plane-set-seed').fill(String(SEED));
  await form.getByRole('button', { name: 'Create' }).click();
  await form.waitFor({ state: 'detached', ...untilDone });

  const stored = (await api.listPlaneSets({ datasetId: 'mnist' })).find(
    (set) => set.rule === 'classes:0,1,9' && set.seed === SEED && set.planes.length === COUNT,
  );
  assert(stored, 'the lab stored no set of classes 0, 1, 9');
  const listed = `set ${stored.id} · classes 0, 1, 9 · ${COUNT} planes · seed ${SEED}`;
  await page
    .getByLabel('Plane set', { exact: true })
    .locator('option:checked', { hasText: listed })
    .waitFor({ state: 'attached' });
  const shown = await selectedText(page, 'Plane set');
  assert(shown === listed, `the plane set list shows "${shown}", expected "${listed}"`);

  for (let plane = 0; plane < COUNT; plane++) {
    if (plane > 0) await page.getByRole('button', { name: 'Next plane' }).click();
    const option = await selectedText(page, 'Plane');
    assert(option === `plane ${plane} · 0, 1, 9`, `plane ${plane} is listed as "${option}"`);
    // The images shown are this plane's: wait for them, then read their classes.
    await page
      .locator(
        `aside[aria-label="Spanning images"][data-plane-set="${stored.id}"][data-plane="${plane}"]`,
      )
      .waitFor(untilDone);
    const classes = await captions(page);
    assert(
      classes.join(', ') === '0, 1, 9',
      `plane ${plane}'s spanning images are of classes ${classes.join(', ')}`,
    );
    const images = await api.getSpanningImages({ planeSetId: stored.id, plane });
    assert(
      images.labels.join(', ') === '0, 1, 9',
      `the dataset labels plane ${plane}'s images ${images.labels.join(', ')}`,
    );
  }
  await shot('planes-dialog-classes-0-1-9');
});

test('the blanket’s phenomenon is a spanning class until the user picks one', async ({ page }) => {
  await page.getByRole('button', { name: 'Blanket', exact: true }).click();
  const phenomenon = page.getByLabel('Phenomenon', { exact: true });
  const first = await phenomenon.inputValue();
  assert(first === '0', `the blanket's phenomenon is "${first}", not the first spanning class 0`);
  await phenomenon.selectOption('5');
  await page.getByRole('button', { name: 'Previous plane' }).click();
  await page.locator('[data-testid=blanket-title-a] b').waitFor(untilDone);
  const kept = await phenomenon.inputValue();
  assert(kept === '5', `the user's phenomenon 5 became "${kept}" on another plane`);
  closeApi();
});
