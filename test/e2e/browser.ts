// Debian's Chromium driven by playwright-core for the page's end-to-end tests: loopback-only traffic,
// console errors collected, axe-core checks and screenshots into test-results/screenshots (git-ignored).
import fs from 'node:fs';
import path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package; the suite never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'screenshots');

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** Requests the page tried to send anywhere but loopback (refused before they left). */
  refused: string[];
  close(): Promise<void>;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

export async function openBrowser(): Promise<BrowserSession> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run setup:tools (it installs Debian's chromium)`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const errors: string[] = [];
  const refused: string[] = [];
  // Every request the page makes must go to the local stack: fonts, scripts or styles from a CDN would be refused here.
  await context.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || LOOPBACK.test(url.hostname)) await route.continue();
    else {
      refused.push(url.href);
      await route.abort('blockedbyclient');
    }
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return { browser, context, page, errors, refused, close: () => browser.close() };
}

/** Runs axe-core on the page as it is; returns the critical and serious violations, described. */
export async function axeProblems(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const a = (window as unknown as { axe: typeof import('axe-core') }).axe;
    const r = await a.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'critical' || v.impact === 'serious').map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.join(', ')})`);
}

/**
 * Screenshots the page at 1280 and at 375 px wide, full page, as `<name>-1280.png` and `<name>-375.png`. Audio that
 * plays is paused first (a picture has no use for it). Once in ~20 runs of the suite (Node 24, 2026-12-05) a capture
 * right after a voice preview started playing never finished in 30 s, and five runs of the file after did not
 * repeat it: a capture that times out is said on stderr and taken once more.
 */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.evaluate(() => document.querySelectorAll('audio, video').forEach((m) => (m as HTMLMediaElement).pause()));
  const files: string[] = [];
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 900 });
    const file = path.join(SCREENSHOTS, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true, timeout: 20_000 }).catch(async (err: Error) => {
      if (err.name !== 'TimeoutError') throw err;
      console.error(`      screenshot ${path.basename(file)} timed out; taking it again`);
      await page.screenshot({ path: file, fullPage: true });
    });
    files.push(file);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return files;
}

/** Whether the page scrolls sideways at its current width (content wider than the viewport). */
export const overflowsSideways = (page: Page): Promise<boolean> => page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
