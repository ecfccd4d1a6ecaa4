/**
 * Model files in the GUI (issue 12), in browser mode: an ONNX file dropped onto a project
 * in the project browser becomes a model whose page names its source (format, file,
 * SHA-256); its ONNX export downloads the same bytes; a tfjs model.json imported through
 * the import dialog together with its weight shard; a PyTorch pickle naming os.system is
 * refused with the reader's reason and nothing is stored.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { writeOnnx } from '../../src-shared/model/formats/onnx.ts';
import type { DenseLayer, Network } from '../../src-shared/model/network.ts';
import { assert, test } from './harness.ts';

const PROJECT = 'Formats e2e';
const FORMATS = join(import.meta.dirname, '..', 'fixtures', 'formats');

/** A 2-6-2 network (the xor dataset's shape) with float32 numbers. */
function network(): Network {
  const layer = (inDim: number, outDim: number, activation: 'relu' | 'linear'): DenseLayer => ({
    inDim,
    outDim,
    weights: Float64Array.from(
      Float32Array.from({ length: inDim * outDim }, (_, q) => Math.sin(q + inDim)),
    ),
    bias: Float64Array.from(Float32Array.from({ length: outDim }, (_, j) => 0.1 * j - 0.2)),
    activation,
  });
  return { inputDim: 2, layers: [layer(2, 6, 'relu'), layer(6, 2, 'linear')] };
}

const onnx = writeOnnx(network());

/** Drops files onto an element as the desktop would (a DataTransfer with File objects). */
async function dropFiles(
  page: Page,
  selector: string,
  files: { name: string; bytes: Uint8Array }[],
): Promise<void> {
  const payload = files.map((file) => ({ name: file.name, bytes: Array.from(file.bytes) }));
  const target = page.locator(selector).first();
  const transfer = await page.evaluateHandle((items) => {
    const data = new DataTransfer();
    for (const item of items) data.items.add(new File([new Uint8Array(item.bytes)], item.name));
    return data;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await target.dispatchEvent(type, { dataTransfer: transfer });
  }
}

test('opens the lab and creates a project to import into', async ({ page, url }) => {
  await page.goto(url);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  await page.getByRole('button', { name: '+ New' }).click();
  await page.locator('dialog[open] input').fill(PROJECT);
  await page.locator('dialog[open] input').press('Enter');
  await page.locator('.row.project', { hasText: PROJECT }).waitFor();
});

test('an ONNX file dropped onto a project becomes a model that names its source', async ({
  page,
  shot,
}) => {
  await dropFiles(page, `.row.project:has-text("${PROJECT}")`, [
    { name: 'dropped.onnx', bytes: onnx },
  ]);
  await page.waitForURL(/#\/model\/\d+/);
  await page.locator('h1', { hasText: 'dropped' }).waitFor();
  const sha = createHash('sha256').update(onnx).digest('hex');
  const source = page.locator('dd', { hasText: 'dropped.onnx' });
  await source.waitFor();
  const text = await source.innerText();
  assert(text.includes('(onnx)'), `the source reads "${text}"`);
  assert(text.includes(sha.slice(0, 16)), `the source shows no SHA-256 prefix: "${text}"`);
  await shot('formats-01-dropped-onnx');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'ONNX', exact: true }).click(),
  ]);
  assert(download.suggestedFilename() === 'dropped.iter0.onnx', download.suggestedFilename());
  const bytes = new Uint8Array(readFileSync(await download.path()));
  assert(
    bytes.length === onnx.length && bytes.every((byte, i) => byte === onnx[i]),
    'the exported ONNX differs from the imported file',
  );
});

test('a tfjs model.json and its shard come in through the import dialog', async ({ page }) => {
  const row = page.locator('.row.project', { hasText: PROJECT }).first();
  await row.locator('button.label').click();
  await page.waitForURL((address) => !/#\/model\//.test(address.href));
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    page.getByRole('button', { name: '⤒ import model' }).first().click(),
  ]);
  const folder = join(FORMATS, 'tfjs-dense-relu');
  await chooser.setFiles([join(folder, 'model.json'), join(folder, 'group1-shard1of1.bin')]);
  await page.waitForURL(/#\/model\/\d+/);
  await page.locator('h1', { hasText: 'model' }).waitFor();
  await page.locator('dd', { hasText: 'model.json' }).waitFor();
  assert(
    (await page.locator('dd', { hasText: 'model.json' }).innerText()).includes('(tfjs)'),
    'the tfjs source is not shown',
  );
});

test('a pickle that names os.system is refused with the reason and stores nothing', async ({
  page,
  shot,
}) => {
  const row = page.locator('.row.project', { hasText: PROJECT }).first();
  await row.locator('.meta', { hasText: '2 models' }).waitFor();
  await dropFiles(page, `.row.project:has-text("${PROJECT}")`, [
    {
      name: 'evil.pt',
      bytes: new Uint8Array(readFileSync(join(FORMATS, 'pytorch-os-system-refused.pt'))),
    },
  ]);
  await page.getByText('pickle global os.system is not allowed in a state_dict').first().waitFor();
  await shot('formats-02-refused-pickle');
  const meta = await row.locator('.meta').innerText();
  assert(meta.endsWith('2 models'), `after a refused import the project reads "${meta}"`);
});
