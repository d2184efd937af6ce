// The admin screens (key pool with a real key test, users) and the matrix of a 100 × 20 batch in
// Chromium: 2,000 cells built once, then repainted cell by cell as the batch is steered and cancelled.
import assert from 'node:assert/strict';
import { ensureWebBuild } from '../../stack/web-build';
import { TEST_ADMIN, testAdminToken, testStack, type TestStack } from '../support/stack';
import { axeProblems, openBrowser, screenshots, type BrowserSession } from './browser';
import { apiGet, cellCount, logIn } from './helpers';

describe('the admin screens and a 2,000-job matrix in Chromium', function () {
  this.timeout(600_000);
  let stack: TestStack;
  let b: BrowserSession;
  let base: string;
  let token: string;
  const run = Date.now().toString(36);

  before(async function () {
    this.timeout(900_000);
    await ensureWebBuild(() => undefined);
    stack = await testStack();
    base = stack.apiUrl!;
    token = await testAdminToken(stack);
    b = await openBrowser();
    await logIn(b.page, base, TEST_ADMIN.email, TEST_ADMIN.password);
  });
  after(() => b?.close());

  it('key pool: masked keys with state and usage; test, disable and enable a key', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'Key pool' }).click();
    const { keys } = await apiGet(base, token, '/api/keys');
    const key = keys.find((k: { service: string }) => k.service === 'gemini');
    const row = page.locator(`tr[data-key="${key.id}"]`);
    await row.waitFor();
    assert.match((await row.textContent()) ?? '', new RegExp(`${key.key.replace('…', '…')}.*gemini.*active · circuit closed`));
    await row.getByRole('button', { name: /^Test key/ }).click();
    await row.getByText(/^Works: Gemini answered/).waitFor({ timeout: 120_000 });
    await row.getByRole('button', { name: /^Disable key/ }).click();
    await row.getByText(/disabled · circuit/).waitFor();
    assert.equal((await apiGet(base, token, '/api/keys')).keys.find((k: { id: string }) => k.id === key.id).status, 'disabled');
    await row.getByRole('button', { name: /^Enable key/ }).click();
    await row.getByText(/active · circuit closed/).waitFor();
    assert.deepEqual(await axeProblems(page), [], 'key pool');
    await screenshots(page, 'admin-keys');
  });

  it('users: create one (the form and the API check it), see it listed, delete it', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'Users' }).click();
    const email = `e2e-${run}@bolt.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill('short');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('at least 8 characters').waitFor();
    await page.getByLabel(/^Password/).fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: email, exact: true }).waitFor();
    // The same email again: the API's own message, where the form is.
    await page.getByLabel('Email').fill(email);
    await page.getByLabel(/^Password/).fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Create user' }).click();
    const refusal = await page.getByRole('alert').filter({ hasText: 'Not created' }).textContent();
    assert.match(refusal ?? '', new RegExp(email.replace(/[.]/g, '\\.')));
    assert.deepEqual(await axeProblems(page), [], 'users');
    await screenshots(page, 'admin-users');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: `Delete ${email}` }).click();
    await page.getByRole('cell', { name: email, exact: true }).waitFor({ state: 'detached' });
    const { users } = await apiGet(base, token, '/api/users');
    assert.ok(!users.some((u: { email: string }) => u.email === email));
  });

  it('draws a 100 × 20 matrix once and repaints single cells as the batch is steered and cancelled', async () => {
    const { page } = b;
    const { languages } = await apiGet(base, token, '/api/languages');
    const picks: Array<{ language: string; voice: string }> = [];
    for (const l of languages as Array<{ code: string }>) {
      if (picks.length === 20) break;
      const { voices } = await apiGet(base, token, `/api/voices?language=${l.code}`);
      const v = (voices as Array<{ name: string; language: string; family: string }>).find((x) => x.language === l.code && x.family === 'standard');
      if (v) picks.push({ language: l.code, voice: v.name });
    }
    assert.equal(picks.length, 20);
    const titles = Array.from({ length: 100 }, (_, i) => `Matrix title number ${i + 1} ${run}`);
    const res = await fetch(`${base}/api/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'matrix', titles, languages: picks, priority: 'low', agent: { targetMinutes: 0.1 } }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const id = ((await res.json()) as { batch: { id: string } }).batch.id;

    await page.addInitScript(() => {
      const w = window as unknown as { __longTasks: number[] };
      w.__longTasks = [];
      new PerformanceObserver((l) => l.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    const opened = Date.now();
    await page.goto(`${base}/batches/${id}`);
    await page.locator('[data-testid=matrix] button.mx-cell').nth(1999).waitFor({ timeout: 60_000 });
    console.log(`      2,000-cell matrix on screen ${Date.now() - opened} ms after navigation`);
    assert.equal(await cellCount(page), 2000);
    // Tag every cell: a redraw of the grid would replace them and lose the tags.
    await page.evaluate(() => document.querySelectorAll('[data-testid=matrix] button.mx-cell').forEach((c) => ((c as unknown as { __tag: number }).__tag = 1)));

    await page.getByLabel('Jobs at once (1–1,000)').fill('4');
    await page.getByRole('button', { name: 'Set concurrency' }).click();
    await page.getByText('At most 4 jobs at once.').waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Cancel batch…' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await page.locator('h1 .badge.s-cancelled').waitFor({ timeout: 300_000 });
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=matrix] .mx-cell.s-queued, [data-testid=matrix] .mx-cell.s-running').length === 0, null, { timeout: 120_000 });
    const cancelled = await cellCount(page, 'cancelled');
    const state = await page.evaluate(() => {
      const cells = [...document.querySelectorAll('[data-testid=matrix] button.mx-cell')] as unknown as Array<{ __tag?: number }>;
      const tasks = (window as unknown as { __longTasks: number[] }).__longTasks;
      return { kept: cells.filter((c) => c.__tag === 1).length, longTasks: tasks.length, longest: Math.max(0, ...tasks) };
    });
    console.log(`      cancelled cells: ${cancelled}; long tasks while the page ran: ${state.longTasks}, longest ${state.longest.toFixed(0)} ms`);
    assert.ok(cancelled >= 1000, `${cancelled} cells show cancelled`);
    assert.equal(state.kept, 2000, 'every cell element is the one first drawn (no whole-grid redraw)');
    const { batch } = await apiGet(base, token, `/api/batches/${id}`);
    assert.equal(batch.status, 'cancelled');
    assert.equal(cancelled, batch.counts.cancelled);
    await screenshots(page, 'batch-2000-cancelled');
  });

  it('logged no console error except the refused duplicate user, and sent nothing off the machine', () => {
    assert.deepEqual(
      b.errors.filter((e) => !/status of 409/.test(e)),
      [],
    );
    assert.ok(b.errors.length <= 1);
    assert.deepEqual(b.refused, []);
  });
});
