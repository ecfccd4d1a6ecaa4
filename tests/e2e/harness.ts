/**
 * A small sequential runner for the end-to-end suite: one browser, one page shared by the
 * tests of a file (they build on each other, as a user's session does), a screenshot per
 * test, and a pass/fail count. A failed test's screenshot is kept as `FAILED-…png`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export interface SuiteOptions {
  url: string;
  port: number;
  token: string;
  chromium: string;
  screenshots: string;
  files: string[];
}

export interface E2eContext {
  page: Page;
  url: string;
  base: string;
  token: string;
  shot(name: string): Promise<void>;
}

type TestFn = (context: E2eContext) => Promise<void>;

/**
 * Options for a wait on work whose duration is the machine's (training, a worker's
 * partition or blankets, a cold dataset): no time limit of its own, since a loaded machine
 * is slow, not wrong. A test that never reaches its state is ended by the hang guard.
 */
export const untilDone = { timeout: 0 } as const;

/**
 * Ends a test that hangs (a state that never comes). Not a speed check: far above what
 * the slowest machine needs; what a test waits for is a state, never a duration.
 */
const HANG_GUARD_MS = 15 * 60_000;

async function guarded(run: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`hung: no progress for ${HANG_GUARD_MS / 60_000} min`)),
      HANG_GUARD_MS,
    );
  });
  try {
    await Promise.race([run, hung]);
  } finally {
    clearTimeout(timer);
  }
}
const registered: { name: string; fn: TestFn }[] = [];

/** Declares a test; tests run in declaration order and share the page. */
export function test(name: string, fn: TestFn): void {
  registered.push({ name, fn });
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export async function runSuite(options: SuiteOptions): Promise<{ passed: number; failed: number }> {
  mkdirSync(options.screenshots, { recursive: true });
  let passed = 0;
  let failed = 0;
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: options.chromium,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    for (const file of options.files) {
      registered.length = 0;
      await import(file);
      const tests = [...registered];
      const page = await browser.newPage({
        viewport: { width: 1500, height: 920 },
        acceptDownloads: true,
      });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      // The page answering a click (a route, a dialog, a row) is quick on any machine; work
      // whose time is the machine's is awaited with `untilDone`.
      page.setDefaultTimeout(20_000);
      const base = new URL(options.url).origin;
      let step = 0;
      const context: E2eContext = {
        page,
        url: options.url,
        base,
        token: options.token,
        shot: async (name) => {
          await page.screenshot({ path: join(options.screenshots, `${name}.png`) });
        },
      };
      for (const { name, fn } of tests) {
        step++;
        const started = Date.now();
        try {
          await guarded(fn(context));
          if (errors.length > 0)
            throw new Error(`uncaught error in the page: ${errors.splice(0).join('; ')}`);
          passed++;
          process.stdout.write(`  ✓ ${name} (${Date.now() - started} ms)\n`);
        } catch (error) {
          failed++;
          process.stdout.write(
            `  ✗ ${name}\n    ${error instanceof Error ? error.message : String(error)}\n`,
          );
          await page
            .screenshot({
              path: join(options.screenshots, `FAILED-${String(step).padStart(2, '0')}.png`),
            })
            .catch(() => {});
        }
      }
      await page.close();
    }
  } finally {
    await browser?.close();
  }
  return { passed, failed };
}
