/**
 * Lab settings, remote workers (issue 9 §2) in the browser: the Settings dialog's Redis
 * URL field refuses what is not a Redis URL before anything is sent, "Test connection"
 * says in words why a port where nothing listens or a wrong password does not work, and
 * with a real redis-server (started here on a free loopback port, with a password) it
 * says "connected"; Apply connects the lab's remote dispatch, the password comes back
 * as ***, and clearing the URL turns remote workers off again for the files that follow.
 */
import type { Page } from 'playwright-core';
import { freePort, RedisServer } from '../integration/redis-server.ts';
import { assert, test, untilDone } from './harness.ts';

const PASSWORD = 'e2e-hub-s3cret';
let redis: RedisServer | null = null;

async function openSettings(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.locator('[data-testid=hub-status]').waitFor();
}

async function testUrl(page: Page, url: string): Promise<string> {
  await page.locator('#hub-redis').fill(url);
  await page.getByRole('button', { name: 'Test connection' }).click();
  const result = page.locator('[data-testid=hub-test]');
  await result.waitFor(untilDone);
  return result.innerText();
}

test('the Redis URL field refuses what is not a Redis URL, in words', async ({ page, url }) => {
  await page.goto(url);
  await page.locator('[data-testid=connection]', { hasText: 'connected' }).waitFor();
  await openSettings(page);
  const status = await page.locator('[data-testid=hub-status]').innerText();
  assert(status === 'off: every job runs in this lab', `status reads "${status}"`);
  await page.locator('#hub-redis').fill('http://localhost:6379');
  await page.getByRole('button', { name: 'Apply' }).click();
  const error = await page.locator('#hub-redis-error').innerText();
  assert(
    error === 'must start with redis:// or rediss:// (TLS), got http://',
    `the field says "${error}"`,
  );
  // Typing clears the message; a URL without a host gets its own.
  await page.locator('#hub-redis').fill('redis://:pw@');
  assert((await page.locator('#hub-redis-error').count()) === 0, 'the message stays after typing');
  await page.getByRole('button', { name: 'Test connection' }).click();
  const noHost = await page.locator('#hub-redis-error').innerText();
  assert(noHost.startsWith('names no host'), `the field says "${noHost}"`);
});

test('test connection: nothing listening, then a wrong password, in words', async ({ page }) => {
  redis = await RedisServer.start({ password: PASSWORD });
  const nothing = await freePort();
  const refused = await testUrl(page, `redis://127.0.0.1:${nothing}`);
  assert(
    refused.includes(`127.0.0.1:${nothing} refused the connection: no Redis listens there`),
    `the test says "${refused}"`,
  );
  const wrong = await testUrl(page, `redis://:wrong@127.0.0.1:${redis.port}`);
  assert(
    wrong.includes(`Redis at 127.0.0.1:${redis.port} refused the password (WRONGPASS)`),
    `the test says "${wrong}"`,
  );
});

test('with the real Redis: connected; Apply connects, the password shows as ***', async ({
  page,
  shot,
}) => {
  assert(redis !== null, 'redis-server runs');
  const said = await testUrl(page, redis.url);
  assert(
    said.includes(`connected to Redis`) && said.includes(`at 127.0.0.1:${redis.port}`),
    `the test says "${said}"`,
  );
  await page.getByRole('button', { name: 'Apply' }).click();
  const status = page.locator('[data-testid=hub-status]', { hasText: /^connected: / });
  await status.waitFor(untilDone);
  const text = await status.innerText();
  assert(text.includes(`redis://:***@127.0.0.1:${redis.port}`), `status reads "${text}"`);
  assert(!text.includes(PASSWORD), 'the status shows the password');
  const field = await page.locator('#hub-redis').inputValue();
  assert(field === `redis://:***@127.0.0.1:${redis.port}`, `the field holds "${field}"`);
  await shot('hub-settings-connected');

  // Read fresh when the dialog opens again: still connected, still hidden.
  await page.keyboard.press('Escape');
  await openSettings(page);
  const again = await page.locator('[data-testid=hub-status]').innerText();
  assert(again.startsWith('connected: '), `status reads "${again}"`);
  assert(!(await page.locator('#hub-redis').inputValue()).includes(PASSWORD), 'password shown');
});

test('clearing the URL turns remote workers off', async ({ page }) => {
  await page.locator('#hub-redis').fill('');
  await page.getByRole('button', { name: 'Apply' }).click();
  await page
    .locator('[data-testid=hub-status]', { hasText: 'off: every job runs in this lab' })
    .waitFor(untilDone);
  await page.keyboard.press('Escape');
  await redis?.stop();
  redis = null;
});
