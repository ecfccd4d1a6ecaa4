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
          await fn(context);
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
