// Steps the page tests share: log in through the form, pick languages, wait for the estimate and for a batch.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

export const LONG = { timeout: 300_000 };

export async function logIn(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

/** Ticks a language in the picker after searching for its code; waits until its voice is chosen. */
export async function chooseLanguage(page: Page, code: string): Promise<void> {
  await page.getByLabel('Search languages by name or code').fill(code);
  await page.locator(`input[name="language-choice"][value="${code}"]`).check();
  await page.waitForFunction((c) => ((document.getElementById(`voice-${c}`) as HTMLSelectElement | null)?.value ?? '') !== '', code);
}

/** Waits until the estimate panel shows an answer for the current form with `jobs` jobs. */
export async function expectEstimateJobs(page: Page, jobs: number): Promise<void> {
  await page.waitForFunction(
    (n) => document.querySelector('aside.estimate')?.getAttribute('data-state') === 'ready' && document.querySelector('[data-testid=estimate-jobs]')?.textContent === String(n),
    jobs,
    { timeout: 60_000 },
  );
}

/** Makes the agent short, so simulated batches finish quickly. */
export async function shortAgent(page: Page): Promise<void> {
  await page.getByRole('button', { name: /Edit or save as new agent/ }).click();
  await page.getByLabel('Target minutes').fill('0.2');
  await page.getByRole('button', { name: 'Close editor' }).click();
}

/** Presses Start and returns the new batch's id from the address the page moves to. */
export async function startBatch(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Start batch' }).click();
  await page.waitForURL(/\/batches\/[0-9a-f-]{36}$/, { timeout: 60_000 });
  const id = new URL(page.url()).pathname.split('/').pop()!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  return id;
}

/** Waits until the batch view shows 100% and no job running or queued. */
export async function waitForDone(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('[data-testid=percent]')?.textContent === '100%', null, LONG);
}

/** A JSON call to the API as `token` (the page's own calls go through the browser). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read loosely; the assertions check them.
export async function apiGet(base: string, token: string, path: string): Promise<any> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${path}`);
  return res.json();
}

export const cellCount = (page: Page, status?: string) => page.locator(`[data-testid=matrix] button.mx-cell${status ? `.s-${status}` : ''}`).count();
