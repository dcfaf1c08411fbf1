import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pair, startPair } from '../e2e/harness';
import { ROOT } from '../helpers/process';

// The console in a real browser: Debian's chromium, driven by playwright-core, against the service and
// the Sinch emulator over loopback. .ci/run installs chromium; without it (and outside CI) this skips.
const CHROMIUM = '/usr/bin/chromium';
const KEY = 'console-test-key-not-real-0001';
const SHOTS = join(ROOT, 'test-results');

let browser: Browser;

/** Service + emulator with an API key; each step of a delivery takes `stepMs`, so the page sees each. */
async function startWithKey(stepMs: number): Promise<Pair & { base: string }> {
  const pair = await startPair({
    config: (c) => ({ ...c, apiKeys: [KEY] }),
    emulator: { callbackDelayMs: stepMs },
  });
  return { ...pair, base: pair.service.url.replace('localhost', '127.0.0.1') };
}

async function send(base: string, body: object): Promise<{ messageId: string }> {
  const res = await fetch(`${base}/send-sms`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${KEY}` },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { messageId: string };
}

/** A page that fails the test on any CSP violation, script error, or request leaving the service. */
async function openPage(base: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/401|Unauthorized/.test(message.text())) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('request', (request) => {
    if (!request.url().startsWith(base) && !request.url().startsWith('data:')) {
      problems.push(`request elsewhere: ${request.url()}`);
    }
  });
  await page.goto(`${base}/`);
  return { page, problems };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.fill('#key-input', key);
  await page.click('#key-form button[type=submit]');
}

// A real browser starts per test, and the delivery test watches a report arrive every 2.5 s on purpose
// (so the page is seen before Delivered): the suite's 10 s default is too short for that on a loaded machine.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(
  'the web console in chromium',
  { timeout: 40_000 },
  () => {
    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--no-first-run',
        ],
      });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    it('When a message is sent through the emulator, then the console lists it and shows it reach Delivered without a reload', async () => {
      const { base } = await startWithKey(2500);
      const { page, problems } = await openPage(base);
      await signIn(page, KEY);
      await page.waitForSelector('#no-messages');
      // A reload would lose this mark.
      await page.evaluate('window.mark = 42');
      expect(await page.evaluate('sessionStorage.getItem("sms-console-api-key")')).toBe(KEY);
      expect(page.url()).not.toContain(KEY);

      const { messageId } = await send(base, { to: '+15550100001', message: 'Hello from the browser test' });
      const row = page.locator(`tr[data-message-id="${messageId}"]`);
      await row.waitFor();
      // Seen before its final report, not yet Delivered: Pending too when the list caught the message before
      // Sinch's answer was stored (seen on a loaded machine).
      expect(await row.locator('.badge').textContent()).toMatch(/^(Pending|Sent|Queued|Dispatched)$/);
      await row.locator('a.open').click();
      await page.waitForSelector('#message-body');
      await page
        .locator('#message .recipient .badge[data-status="Delivered"]')
        .first()
        .waitFor({ timeout: 15_000 });
      const timeline = await page.locator('#message .timeline').textContent();
      expect(timeline).toContain('401 — dispatched to the operator');
      expect(timeline).toContain('0 — no error');
      expect(await page.locator('#message').textContent()).toContain('GSM');
      expect(await page.evaluate('window.mark')).toBe(42);

      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'console-message.png'), fullPage: true });
      await page.click('#nav a[data-view="summary"]');
      await page.locator('#summary .panel .p50').first().waitFor();
      expect(await page.locator('#summary').textContent()).toContain('Delivered');
      await page.screenshot({ path: join(SHOTS, 'console-summary.png'), fullPage: true });
      expect(problems).toEqual([]);
    });

    it('When a message body holds markup, then it is shown as text and never runs', async () => {
      const { base } = await startWithKey(20);
      const body = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> & <b>bold</b>';
      const { messageId } = await send(base, { to: '+15550100002', message: body });
      const { page, problems } = await openPage(base);
      await signIn(page, KEY);
      await page.locator(`tr[data-message-id="${messageId}"] td.text`).waitFor();
      expect(await page.locator(`tr[data-message-id="${messageId}"] td.text`).textContent()).toBe(body);
      await page.goto(`${base}/#/messages/${messageId}`);
      await page.waitForSelector('#message-body');
      expect(await page.locator('#message-body').textContent()).toBe(body);
      expect(await page.locator('#message-body *').count()).toBe(0);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.evaluate('window.pwned')).toBeUndefined();
      expect(problems).toEqual([]);
    });

    it('When filtering by status and opening opt-outs, then the list narrows and a STOP shows with its reason and time', async () => {
      const pair = await startWithKey(20);
      const failed = await send(pair.base, { to: '+15550100901', message: 'Will fail' });
      await send(pair.base, { to: '+15550100003', message: 'Will arrive' });
      const stop = await fetch(`${pair.config.sinch.baseUrl}/_emulator/inbound`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          from: '+15550100004',
          to: '15550001111',
          body: 'STOP',
          url: `${pair.base}/webhooks/dlr`,
        }),
      });
      expect(stop.status).toBe(202);

      const { page, problems } = await openPage(pair.base);
      await signIn(page, KEY);
      await page.locator(`tr[data-message-id="${failed.messageId}"] .badge[data-status="Failed"]`).waitFor();
      await page.selectOption('#filter-status', 'Failed');
      await page.click('form.filters button[type=submit]');
      await page.waitForFunction(() => {
        const doc = (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document;
        return doc.querySelectorAll('#messages tbody tr').length === 1;
      });
      expect(await page.locator('#messages tbody tr').getAttribute('data-message-id')).toBe(failed.messageId);

      await page.click('#nav a[data-view="opt-outs"]');
      const row = page.locator('#opt-outs tr[data-number="+15550100004"]');
      await row.waitFor();
      expect(await row.textContent()).toContain('texted a keyword: STOP');
      expect(await row.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(problems).toEqual([]);
    });

    it('When the key is wrong, then the console says the service refused it and shows no data', async () => {
      const { base } = await startWithKey(20);
      const { page, problems } = await openPage(base);
      await signIn(page, 'not-the-key');
      await page.waitForSelector('#key-error:has-text("refused this API key")');
      expect(await page.locator('#key-error').textContent()).toContain('401');
      expect(await page.locator('#view').isHidden()).toBe(true);
      expect(await page.evaluate('sessionStorage.getItem("sms-console-api-key")')).toBeNull();
      expect(problems).toEqual([]);
    });

    it('When /docs is opened, then Swagger UI renders the document from files of this service only', async () => {
      const { base } = await startWithKey(20);
      const { page, problems } = await openPage(base);
      await page.goto(`${base}/docs/`);
      await page.waitForSelector('.swagger-ui .info .title:has-text("Sinch SMS delivery tracking")');
      await page.waitForSelector('.swagger-ui .opblock-summary-path:has-text("/send-sms")');
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, 'api-reference.png') });
      expect(problems).toEqual([]);
    });
  },
);
