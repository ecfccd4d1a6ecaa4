/**
 * `mbh-lab report EXPERIMENT --out FILE.html`: an experiment's reproducible report as one
 * self-contained HTML file (spec, environment, every thesis figure it has data for with
 * its caption, the tables and 95 % bootstrap intervals), and with --pdf a PDF of it,
 * printed by headless Chromium where one is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Io } from '../engine-io.ts';
import { COMMON_HELP, openLab, parseFlags, positiveInteger, UsageError } from '../lab-cli.ts';

export const usage = `mbh-lab report EXPERIMENT --out FILE.html [--pdf FILE.pdf] [--plane-set ID]
              [--zoo PATH] [--json]

Writes the report of experiment EXPERIMENT (its id) as one self-contained HTML file: the
spec, the environment (app version, runtime, training backends and paths, dataset cache
SHA-256, seeds), the setups with 95 % bootstrap confidence intervals, every thesis figure
it has data for, and the models. --pdf also prints it to PDF with Chromium (CHROMIUM or
/usr/bin/chromium). --json prints {"html": path, "pdf": path | null}.

${COMMON_HELP}`;

const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

function chromium(): string | null {
  const named = process.env.CHROMIUM;
  if (named) return existsSync(named) ? named : null;
  return CHROMIUM_CANDIDATES.find((path) => existsSync(path)) ?? null;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(
    args,
    { out: { type: 'string' }, pdf: { type: 'string' }, 'plane-set': { type: 'string' } },
    true,
  );
  if (values.help) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('give one experiment id: mbh-lab report EXPERIMENT --out FILE.html');
  const experimentId = positiveInteger(positionals[0], 'EXPERIMENT')!;
  if (!values.out) throw new UsageError('--out FILE.html is required');
  const planeSetId = positiveInteger(values['plane-set'], '--plane-set');
  let browser: string | null = null;
  if (values.pdf !== undefined) {
    browser = chromium();
    if (!browser)
      throw new UsageError('--pdf needs Chromium: none at /usr/bin/chromium (set CHROMIUM=PATH)');
  }
  const lab = await openLab(values, { io });
  let html: string;
  try {
    const file = await lab.buildReport({
      experimentId,
      ...(planeSetId !== undefined ? { planeSetId } : {}),
    });
    html = file.content;
  } finally {
    await lab.close({ pauseRunning: true });
  }
  // Written beside its final name first, so a failed write leaves no half file.
  const out = resolve(values.out);
  writeFileSync(`${out}.partial`, html);
  renameSync(`${out}.partial`, out);
  let pdf: string | null = null;
  if (values.pdf !== undefined && browser) {
    pdf = resolve(values.pdf);
    await promisify(execFile)(browser, [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-pdf-header-footer',
      `--print-to-pdf=${pdf}`,
      pathToFileURL(out).href,
    ]);
    if (!existsSync(pdf)) throw new Error(`Chromium wrote no PDF at ${pdf}`);
  }
  io.stdout(
    values.json
      ? `${JSON.stringify({ html: out, pdf })}\n`
      : `report: ${out}${pdf ? `, ${pdf}` : ''}\n`,
  );
  return 0;
}
