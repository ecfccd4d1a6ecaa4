/**
 * Hovering a region of the plane viewer (issue 10 §4): beside its pattern and area, the
 * tooltip gives the network's predicted class there — one class, or "mixed" with each
 * class's share — and which blankets on screen (phenomenon, cP) contain it. The model is
 * the demo project's "FC(8,4) d=1 seed 0" at its last checkpoint, on the demo's first
 * plane; what the tooltip must say is worked out here independently: the classes by a
 * forward pass of the shipped weights at points sampled in the region, the blankets from
 * the lab's own api (getBlanket, getBlankets) over a separate WebSocket.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import WebSocket from 'ws';
import type { PartitionView } from '../../src-shared/api/dto.ts';
import { createClient, type LabClient } from '../../src-shared/api/client.ts';
import {
  createWebSocketTransport,
  type SocketLike,
} from '../../src-shared/api/websocket-transport.ts';
import { parseModelJson } from '../../src-shared/model/format.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { fitTransform, toPixel } from '../../src-renderer/src/lib/plane-draw.ts';
import { boundsOf } from '../../src-renderer/src/lib/plane-geometry.ts';
import { assert, test, untilDone } from './harness.ts';

interface DemoPlane {
  index: number;
  sampleIndices: [number, number, number];
  origin: string;
  u: string;
  v: string;
}
interface DemoModel {
  bundle: { model: { name: string }; checkpoints: { iteration: number; model: unknown }[] };
}
const demo = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../resources/demo/demo-project.json'), 'utf8'),
) as { planeSets: { planes: DemoPlane[] }[]; models: DemoModel[] };

const MODEL = 'FC(8,4) d=1 seed 0';
const GRID_CPS = [0.8, 0.9, 0.99, 1];
const demoModel = demo.models.find((m) => m.bundle.model.name.includes(MODEL))!;
const demoPlane = demo.planeSets[0].planes[0];
const lastCheckpoint = demoModel.bundle.checkpoints.at(-1)!;
const network: Network = parseModelJson(lastCheckpoint.model);

/** The demo bundle keeps plane vectors as base64 little-endian Float64. */
function float64(base64: string): Float64Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}
const origin = float64(demoPlane.origin);
const u = float64(demoPlane.u);
const v = float64(demoPlane.v);

/**
 * The first layer on the plane: W·(origin + x·u + y·v) + b = x·(W·u) + y·(W·v) + (W·origin + b),
 * summed once so that each forward pass below costs a few hundred flops, not 784 × 8.
 */
const first = network.layers[0];
const firstMap = Array.from({ length: first.outDim }, (_, j) => {
  let a = 0;
  let b = 0;
  let c = first.bias[j];
  for (let i = 0; i < first.inDim; i++) {
    const w = first.weights[j * first.inDim + i];
    a += w * u[i];
    b += w * v[i];
    c += w * origin[i];
  }
  return [a, b, c] as const;
});

/** The oracle: the network's arg-max class at plane point (x, y), by a plain forward pass. */
function classAt(x: number, y: number): number {
  let activation = Float64Array.from(firstMap, ([a, b, c]) => Math.max(0, a * x + b * y + c));
  network.layers.slice(1).forEach((layer, l) => {
    const next = new Float64Array(layer.outDim);
    for (let j = 0; j < layer.outDim; j++) {
      let z = layer.bias[j];
      for (let i = 0; i < layer.inDim; i++) z += layer.weights[j * layer.inDim + i] * activation[i];
      next[j] = l + 2 < network.layers.length ? Math.max(0, z) : z;
    }
    activation = next;
  });
  let best = 0;
  for (let k = 1; k < activation.length; k++) if (activation[k] > activation[best]) best = k;
  return best;
}

/** A seeded uniform generator (mulberry32): the same points on every run. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RegionGeometry {
  region: number;
  /** The area centroid, where the test points the mouse. */
  centre: [number, number];
  /** Distance from the centre to the nearest edge, in plane units. */
  clearance: number;
  polygon: [number, number][];
}

function geometry(partition: PartitionView, region: number): RegionGeometry {
  const polygon: [number, number][] = [];
  for (let i = partition.vertexOffsets[region]; i < partition.vertexOffsets[region + 1]; i++)
    polygon.push([partition.vertices[2 * i], partition.vertices[2 * i + 1]]);
  let area = 0;
  let cx = 0;
  let cy = 0;
  polygon.forEach(([x0, y0], k) => {
    const [x1, y1] = polygon[(k + 1) % polygon.length];
    const cross = x0 * y1 - x1 * y0;
    area += cross / 2;
    cx += ((x0 + x1) * cross) / 6;
    cy += ((y0 + y1) * cross) / 6;
  });
  const centre: [number, number] = [cx / area, cy / area];
  let clearance = Infinity;
  polygon.forEach(([x0, y0], k) => {
    const [x1, y1] = polygon[(k + 1) % polygon.length];
    const length = Math.hypot(x1 - x0, y1 - y0);
    if (length > 0)
      clearance = Math.min(
        clearance,
        Math.abs((x1 - x0) * (centre[1] - y0) - (y1 - y0) * (centre[0] - x0)) / length,
      );
  });
  return { region, centre, clearance, polygon };
}

/** Uniform points in a convex polygon: a fan triangle by area, then a point in it. */
function samplePoints(polygon: [number, number][], count: number, seed: number) {
  const random = generator(seed);
  const [x0, y0] = polygon[0];
  const triangles: { area: number; a: [number, number]; b: [number, number] }[] = [];
  for (let k = 1; k + 1 < polygon.length; k++) {
    const a = polygon[k];
    const b = polygon[k + 1];
    const area = Math.abs((a[0] - x0) * (b[1] - y0) - (a[1] - y0) * (b[0] - x0)) / 2;
    triangles.push({ area, a, b });
  }
  const total = triangles.reduce((sum, t) => sum + t.area, 0);
  const points: [number, number][] = [];
  for (let n = 0; n < count; n++) {
    let pick = random() * total;
    let t = 0;
    while (t < triangles.length - 1 && pick > triangles[t].area) pick -= triangles[t++].area;
    let r1 = random();
    let r2 = random();
    if (r1 + r2 > 1) [r1, r2] = [1 - r1, 1 - r2];
    const { a, b } = triangles[t];
    points.push([
      x0 + r1 * (a[0] - x0) + r2 * (b[0] - x0),
      y0 + r1 * (a[1] - y0) + r2 * (b[1] - y0),
    ]);
  }
  return points;
}

const SAMPLES = 4000;

/** Each class's share of the region by Monte Carlo over SAMPLES uniform points. */
function oracleShares(geometryOf: RegionGeometry): Map<number, number> {
  const counts = new Map<number, number>();
  for (const [x, y] of samplePoints(geometryOf.polygon, SAMPLES, 1000 + geometryOf.region)) {
    const k = classAt(x, y);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return new Map([...counts].map(([k, n]) => [k, n / SAMPLES]));
}

let api: LabClient;
let closeApi: () => void;
let partition: PartitionView;
let ids: { checkpointId: number; planeSetId: number };

/** Points the mouse at a plane point of a canvas (fit to its box, as the viewer draws it). */
async function hover(page: Page, canvasSelector: string, point: [number, number]) {
  const canvas = page.locator(canvasSelector).first();
  const box = await canvas.boundingBox();
  assert(box, `${canvasSelector} has no box`);
  const transform = fitTransform(boundsOf(partition.domain), box.width, box.height);
  const [px, py] = toPixel(transform, point[0], point[1]);
  // Leave first: the tooltip then belongs to this hover, not a previous one.
  await page.mouse.move(1, 1);
  await page.mouse.move(box.x + px, box.y + py);
}

async function tooltip(page: Page, region: number) {
  const tip = page.locator(`[role=tooltip][data-region="${region}"]`);
  await tip.waitFor();
  const predicted = await tip.locator('[data-testid=hover-predicted]').innerText();
  const blankets = tip.locator('[data-testid=hover-blankets]');
  return {
    text: await tip.innerText(),
    predicted,
    blankets: (await blankets.count()) > 0 ? await blankets.innerText() : null,
  };
}

/** Picks the hover targets: the roomiest region of one class and the roomiest mixed one. */
function targets(scale: number) {
  const all = Array.from({ length: partition.regionCount }, (_, r) => geometry(partition, r));
  const shares = new Map(all.map((g) => [g.region, oracleShares(g)]));
  const roomiest = (list: RegionGeometry[]) => {
    assert(list.length > 0, 'the plane has no region of that kind');
    return list.reduce((best, g) => (g.clearance > best.clearance ? g : best));
  };
  // One class at every sampled point and vertex; or two classes with 5 % each at least.
  const constant = roomiest(
    all.filter(
      (g) =>
        shares.get(g.region)!.size === 1 &&
        g.polygon.every(([x, y]) => shares.get(g.region)!.has(classAt(x, y))),
    ),
  );
  const mixed = roomiest(
    all.filter((g) => [...shares.get(g.region)!.values()].filter((p) => p >= 0.05).length >= 2),
  );
  for (const g of [constant, mixed])
    assert(
      g.clearance * scale >= 4,
      `region ${g.region} leaves ${(g.clearance * scale).toFixed(1)} px around its centre`,
    );
  return { constant, mixed, shares };
}

/** The expected blanket line, composed here from the lab's blanket masks. */
function blanketLine(
  entries: { label: string; cp: number; regions: Uint8Array }[],
  region: number,
) {
  const byLabel = new Map<string, number[]>();
  for (const entry of entries)
    if (entry.regions[region] === 1)
      byLabel.set(entry.label, [...(byLabel.get(entry.label) ?? []), entry.cp]);
  if (byLabel.size === 0) return 'in no blanket shown';
  return `in blankets: ${[...byLabel]
    .map(([label, cps]) => `class ${label} @ cP ${cps.sort((a, b) => a - b).join(', ')}`)
    .join('; ')}`;
}

test('the demo model opens in the plane viewer on the demo’s first plane', async ({
  page,
  url,
  base,
  token,
}) => {
  const transport = createWebSocketTransport({
    url: `${base.replace(/^http/, 'ws')}/api`,
    token,
    createSocket: (address) => new WebSocket(address) as unknown as SocketLike,
    reconnect: false,
  });
  closeApi = () => transport.close();
  api = createClient(transport);
  const project = await api.openDemoProject({});
  const model = (await api.listModels({ projectId: project.id })).find((m) =>
    m.name.includes(MODEL),
  );
  assert(model, `the demo project has no model named like "${MODEL}"`);
  const detail = await api.getModel({ id: model.id });
  const checkpoint = detail.checkpoints.at(-1)!;
  assert(
    checkpoint.iteration === lastCheckpoint.iteration,
    `the model's last checkpoint is at ${checkpoint.iteration}, the bundle's at ${lastCheckpoint.iteration}`,
  );
  const set = (await api.listPlaneSets({ datasetId: 'mnist' })).find(
    (s) => s.planes[0]?.sampleIndices.join() === demoPlane.sampleIndices.join(),
  );
  assert(set, 'no plane set holds the demo’s first plane');
  ids = { checkpointId: checkpoint.id, planeSetId: set.id };
  partition = await api.getPartition({ ...ids, plane: 0 });

  await page.goto(`${url}#/planes?model=${model.id}&checkpoint=${checkpoint.id}`);
  await page.getByLabel('Plane set', { exact: true }).selectOption(String(set.id));
  await page.locator(`canvas[data-regions="${partition.regionCount}"]`).first().waitFor(untilDone);
});

test('hovering a region says its predicted class: one class, or mixed with the shares', async ({
  page,
}) => {
  const canvas = 'canvas[data-regions]';
  const box = (await page.locator(canvas).first().boundingBox())!;
  const scale = fitTransform(boundsOf(partition.domain), box.width, box.height).scale;
  const { constant, mixed, shares } = targets(scale);

  await hover(page, canvas, constant.centre);
  const one = await tooltip(page, constant.region);
  const expectedClass = [...shares.get(constant.region)!.keys()][0];
  assert(
    one.predicted === `predicted: ${expectedClass}`,
    `region ${constant.region}: the tooltip says "${one.predicted}", the network gives class ${expectedClass} at all ${SAMPLES} points`,
  );
  assert(one.text.includes(`region ${constant.region} · area`), `tooltip reads "${one.text}"`);
  // Regions mode shows no blanket, so no blanket line.
  assert(one.blankets === null, `regions mode lists blankets: "${one.blankets}"`);

  await hover(page, canvas, mixed.centre);
  const several = await tooltip(page, mixed.region);
  const match = /^predicted: mixed — (.+)$/.exec(several.predicted);
  assert(match, `region ${mixed.region}: the tooltip says "${several.predicted}", expected mixed`);
  const shown = match[1].split(', ').map((part) => {
    const parsed = /^(\d+) \(([<>] )?([\d.]+) %\)$/.exec(part);
    assert(parsed, `a share reads "${part}"`);
    return { classIndex: Number(parsed[1]), percent: Number(parsed[3]) };
  });
  const expected = shares.get(mixed.region)!;
  // Each share against Monte Carlo: binomial with σ = √(p(1 − p)/N) ≤ 0.8 pp at N = 4000;
  // 5σ plus the display's rounding (≤ 0.5 pp) and one point's worth.
  for (const { classIndex, percent } of shown) {
    const estimate = 100 * (expected.get(classIndex) ?? 0);
    const p = percent / 100;
    const tolerance = 500 * Math.sqrt((p * (1 - p)) / SAMPLES) + 0.5 + 100 / SAMPLES;
    assert(
      Math.abs(estimate - percent) <= tolerance,
      `class ${classIndex}: shown ${percent} %, the network gives ${estimate.toFixed(2)} %`,
    );
  }
  for (const [classIndex, share] of expected)
    if (share >= 0.01)
      assert(
        shown.some((s) => s.classIndex === classIndex),
        `class ${classIndex} wins on ${(100 * share).toFixed(1)} % of region ${mixed.region} but is not listed`,
      );
  const listed = shown.map((s) => s.percent);
  assert(
    listed.every((percent, k) => k === 0 || percent <= listed[k - 1]),
    `shares not largest first: ${several.predicted}`,
  );
});

test('hovering lists the blankets on screen that contain the region', async ({ page, shot }) => {
  await page.getByRole('button', { name: 'Blanket', exact: true }).click();
  await page.locator('[data-testid=blanket-title-a] b').waitFor(untilDone);
  const phenomenon = await page.getByLabel('Phenomenon').inputValue();
  const label = await page
    .getByLabel('Phenomenon')
    .locator(`option[value="${phenomenon}"]`)
    .innerText();
  const cp = Number(await page.getByLabel('Minimum coverage cP').inputValue());
  // The grid's columns are these phenomena in this order: names for the api, labels shown.
  const options = await page
    .getByLabel('Phenomenon')
    .locator('option')
    .evaluateAll((list) =>
      list.map((o) => [(o as HTMLOptionElement).value, (o as HTMLOptionElement).text]),
    );
  const blanket = await api.getBlanket({ ...ids, plane: 0, phenomenon, cp, scope: 'last' });
  const canvas = 'canvas[data-regions]';
  const box = (await page.locator(canvas).first().boundingBox())!;
  const scale = fitTransform(boundsOf(partition.domain), box.width, box.height).scale;
  // One region inside the blanket and one outside it (the roomiest of each).
  const all = Array.from({ length: partition.regionCount }, (_, r) => geometry(partition, r));
  const roomiest = (inside: boolean) => {
    const list = all.filter((g) => (blanket.regions[g.region] === 1) === inside);
    assert(list.length > 0, `no region ${inside ? 'in' : 'outside'} the blanket`);
    return list.reduce((best, g) => (g.clearance > best.clearance ? g : best));
  };
  for (const target of [roomiest(true), roomiest(false)]) {
    assert(target.clearance * scale >= 4, `region ${target.region} is too small to hover`);
    await hover(page, canvas, target.centre);
    const tip = await tooltip(page, target.region);
    const expected = blanketLine([{ label, cp, regions: blanket.regions }], target.region);
    assert(
      tip.blankets === expected,
      `region ${target.region}: the tooltip says "${tip.blankets}", expected "${expected}"`,
    );
    if (blanket.regions[target.region] === 1) await shot('plane-hover-in-blanket');
  }

  // The grid: every phenomenon × cP on screen, hovered in its first cell.
  await page.getByRole('button', { name: 'Grid', exact: true }).click();
  const grid = page.locator('table[aria-label="Blankets: phenomena × cP"]');
  await grid.locator('.cell').first().waitFor(untilDone);
  await grid
    .locator('.cell-wait')
    .first()
    .waitFor({ state: 'detached', ...untilDone });
  const headers = await grid.locator('thead th').allInnerTexts();
  assert(
    headers.slice(1).join() === options.map(([, text]) => text).join(),
    `the grid's columns are ${headers.slice(1).join(', ')}`,
  );
  const answer = await api.getBlankets({
    ...ids,
    plane: 0,
    phenomena: options.map(([name]) => name),
    cps: GRID_CPS,
    scope: 'last',
  });
  const entries = answer.blankets.map((entry, k) => ({
    label: options[Math.floor(k / GRID_CPS.length)][1],
    cp: GRID_CPS[k % GRID_CPS.length],
    regions: entry.regions,
  }));
  const cellCanvas = 'table[aria-label="Blankets: phenomena × cP"] canvas';
  const cellBox = (await page.locator(cellCanvas).first().boundingBox())!;
  const cellScale = fitTransform(boundsOf(partition.domain), cellBox.width, cellBox.height).scale;
  const target = all.reduce((best, g) => (g.clearance > best.clearance ? g : best));
  assert(target.clearance * cellScale >= 3, `region ${target.region} is too small in a grid cell`);
  await hover(page, cellCanvas, target.centre);
  const tip = await tooltip(page, target.region);
  const expected = blanketLine(entries, target.region);
  assert(expected !== 'in no blanket shown', `region ${target.region} is in no grid blanket`);
  assert(
    tip.blankets === expected,
    `grid, region ${target.region}: the tooltip says "${tip.blankets}", expected "${expected}"`,
  );
  await shot('plane-hover-grid');
  closeApi();
});
