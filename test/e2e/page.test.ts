// The batch page end to end, in Debian's Chromium against the real stack with simulators: log in, a
// matrix batch through the form with its live estimate and a voice preview, progress live to 100%, a
// job's audio, the ZIP, a refused title and retry-failed, the other two modes, history; axe-core on each
// screen and screenshots at 1280 and 375 px (test-results/screenshots).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ensureWebBuild } from '../../stack/web-build';
import { axeProblems, openBrowser, overflowsSideways, screenshots, SCREENSHOTS, type BrowserSession } from './browser';
import { TEST_ADMIN, testAdminToken, testStack, type TestStack } from '../support/stack';
import { unzip } from '../support/zip';
import { apiGet, cellCount, chooseLanguage, expectEstimateJobs, logIn, shortAgent, startBatch, waitForDone } from './helpers';

describe('the batch page in Chromium', function () {
  this.timeout(600_000);
  let stack: TestStack;
  let b: BrowserSession;
  let base: string;
  let token: string;
  let batchId: string;
  const run = Date.now().toString(36);
  const titles = [`How volcanoes shape islands ${run}`, `The long history of coffee ${run}`, `Why octopuses are so clever ${run}`];

  const simFaults = async (body: Record<string, unknown>) => {
    const r = await fetch(`${stack.simulators!.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(r.status, 200);
  };

  before(async function () {
    this.timeout(900_000);
    await ensureWebBuild(() => undefined);
    stack = await testStack();
    base = stack.apiUrl!;
    token = await testAdminToken(stack);
    b = await openBrowser();
  });
  after(async () => {
    await b?.close();
    console.log(`      screenshots: ${SCREENSHOTS}`);
  });

  it('renders the first screen, logs in, and keeps the session over a reload, with the simulated banner', async () => {
    const { page } = b;
    const scripts: Array<Promise<number>> = [];
    const onResponse = (r: import('playwright-core').Response) => {
      if (r.request().resourceType() === 'script') scripts.push(r.body().then((body) => gzipSync(body).length));
    };
    page.on('response', onResponse);
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    page.off('response', onResponse);
    const renderMs = await page.evaluate(() => performance.getEntriesByName('bolt:first-render')[0]?.startTime ?? -1);
    const gzipped = (await Promise.all(scripts)).reduce((a, n) => a + n, 0);
    console.log(`      first screen: rendered ${renderMs.toFixed(0)} ms after navigation; its JavaScript is ${(gzipped / 1024).toFixed(1)} KB gzipped (${scripts.length} file(s))`);
    assert.ok(renderMs > 0, 'the page marks its first render');
    assert.ok(gzipped > 0 && gzipped < 200 * 1024, `JavaScript for the first screen: ${gzipped} bytes gzipped`);
    assert.match((await page.getByTestId('simulated-banner').textContent()) ?? '', /Simulated providers: Gemini and Text-to-Speech/);
    assert.deepEqual(await axeProblems(page), [], 'login screen');
    await screenshots(page, 'login');

    await logIn(page, base, TEST_ADMIN.email, TEST_ADMIN.password);
    await page.reload();
    await page.getByRole('button', { name: 'Log out' }).waitFor();
    assert.equal(await page.locator('.who').textContent(), TEST_ADMIN.email);
    await page.getByTestId('simulated-banner').waitFor();
  });

  it('builds a matrix batch of 3 titles × 4 languages with a live estimate and a voice preview; a double click makes one batch', async () => {
    const { page } = b;
    await page.getByLabel('Titles, one a line').fill(`${titles.join('\n')}\n${titles[0]}`);
    await page.getByText(`Line 4: duplicate of line 1`).waitFor();
    await page.getByLabel('Titles, one a line').fill(titles.join('\n'));
    for (const code of ['en-US', 'pt-BR', 'es-ES', 'fr-FR']) await chooseLanguage(page, code);
    await shortAgent(page);
    await expectEstimateJobs(page, 12);
    await page.getByRole('button', { name: 'Remove fr-FR' }).click();
    await expectEstimateJobs(page, 9);
    await chooseLanguage(page, 'fr-FR');
    await expectEstimateJobs(page, 12);
    assert.match((await page.getByTestId('estimate-total').textContent()) ?? '', /^\$\d/);

    await page.getByRole('button', { name: /Play a preview of en-US-/ }).click();
    const seconds = await page.waitForFunction(() => {
      const a = document.querySelector<HTMLAudioElement>('.voice-row[data-language="en-US"] audio');
      return a && a.src.startsWith('blob:') && a.duration > 0 && Number.isFinite(a.duration) ? a.duration : 0;
    }, null, { timeout: 180_000 });
    console.log(`      voice preview: ${(await seconds.jsonValue()).toFixed(2)} s of audio`);
    assert.deepEqual(await axeProblems(page), [], 'new-batch form');
    await screenshots(page, 'new-batch');

    const before = (await apiGet(base, token, '/api/batches?pageSize=1')).total as number;
    await page.getByRole('button', { name: 'Start batch' }).dblclick();
    await page.waitForURL(/\/batches\/[0-9a-f-]{36}$/, { timeout: 60_000 });
    batchId = new URL(page.url()).pathname.split('/').pop()!;
    const after = (await apiGet(base, token, '/api/batches?pageSize=1')).total as number;
    assert.equal(after, before + 1, 'a double click on Start made one batch');
  });

  it('shows progress live to 100%, every matrix cell turning completed, without a reload', async () => {
    const { page } = b;
    await page.locator('[data-testid=matrix] button.mx-cell').first().waitFor();
    // Count repaints of matrix cells, and mark the document: a reload would lose both.
    await page.evaluate(() => {
      const w = window as unknown as { __cellChanges: number; __sameDocument: boolean };
      w.__cellChanges = 0;
      w.__sameDocument = true;
      new MutationObserver((records) => (w.__cellChanges += records.length)).observe(document.querySelector('[data-testid=matrix]')!, { attributes: true, attributeFilter: ['class'], subtree: true });
    });
    assert.equal(await cellCount(page), 12);
    await screenshots(page, 'batch-running');
    assert.deepEqual(await axeProblems(page), [], 'batch view');
    await waitForDone(page);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=matrix] .mx-cell.s-completed').length === 12, null, { timeout: 60_000 });
    const state = await page.evaluate(() => {
      const w = window as unknown as { __cellChanges: number; __sameDocument?: boolean };
      return { changes: w.__cellChanges, same: w.__sameDocument === true, navigations: performance.getEntriesByType('navigation').length };
    });
    console.log(`      matrix: ${state.changes} cell repaints seen live`);
    assert.ok(state.same && state.navigations === 1, 'no reload');
    assert.ok(state.changes >= 1, 'cells changed while the page watched');
    // The batch closes its books once its workflow has seen the last job's end (a signal), a moment after 100%.
    let api = await apiGet(base, token, `/api/batches/${batchId}`);
    for (let i = 0; i < 60 && api.batch.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      api = await apiGet(base, token, `/api/batches/${batchId}`);
    }
    assert.equal(api.batch.status, 'completed');
    assert.equal(api.batch.counts.completed, 12);
    await page.getByText(/Cost so far/).waitFor();
  });

  it("opens a job from the matrix and plays its audio (duration over 0)", async () => {
    const { page } = b;
    // Keyboard: the grid is one tab stop; arrows move, Enter opens.
    await page.locator('[data-testid=matrix] button.mx-cell').first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const duration = await page.waitForFunction(() => {
      const a = document.querySelector<HTMLAudioElement>('[data-testid=job-audio]');
      return a && a.duration > 0 && Number.isFinite(a.duration) ? a.duration : 0;
    }, null, { timeout: 60_000 });
    console.log(`      job audio: ${(await duration.jsonValue()).toFixed(2)} s`);
    await page.getByRole('heading', { name: 'Script' }).waitFor();
    assert.deepEqual(await axeProblems(page), [], 'job view');
    await screenshots(page, 'job');
  });

  it('downloads the ZIP, whose entries hold every job', async () => {
    const { page } = b;
    await page.goto(`${base}/batches/${batchId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Everything (ZIP)' }).click()]);
    const entries = await unzip(fs.readFileSync((await download.path())!));
    const names = [...entries.keys()];
    assert.ok(names.includes('manifest.json') && names.includes('manifest.csv'), names.join(', '));
    assert.equal(names.filter((n) => n.endsWith('/audio.mp3')).length, 12);
    assert.equal(names.filter((n) => n.endsWith('/script.txt')).length, 12);
    for (const code of ['en-US', 'pt-BR', 'es-ES', 'fr-FR']) assert.equal(names.filter((n) => n.startsWith(`${code}/`) && n.endsWith('/audio.mp3')).length, 3, code);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8'));
    assert.equal(JSON.stringify(manifest).includes(titles[1]!), true);
  });

  it('expand_languages: one title input; a refused title shows its stage and message, and retry-failed brings the batch back', async () => {
    const { page } = b;
    const refused = `A title the simulator refuses ${run}`;
    let jobId = '';
    await simFaults({ gemini: { safetyBlockTitles: [refused] } });
    try {
      await page.goto(`${base}/`);
      await page.getByRole('radio', { name: /One title, many languages/ }).check();
      assert.equal(await page.locator('textarea[name=titles]').count(), 0, 'no titles box in expand_languages');
      await page.getByLabel('The video title').fill(refused);
      for (const code of ['en-US', 'de-DE']) await chooseLanguage(page, code);
      await shortAgent(page);
      await expectEstimateJobs(page, 2);
      await startBatch(page);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=matrix] .mx-cell.s-failed').length === 2, null, { timeout: 300_000 });
      await page.locator('[data-testid=matrix] button.mx-cell.s-failed').first().click();
      await page.waitForURL(/\/jobs\//);
      jobId = new URL(page.url()).pathname.split('/').pop()!;
      const { job } = await apiGet(base, token, `/api/jobs/${jobId}`);
      const shown = (await page.getByTestId('job-error').textContent()) ?? '';
      assert.ok(job.error && shown.includes(job.error.stage) && shown.includes(job.error.code) && shown.includes(job.error.message), shown);
      await page.getByRole('link', { name: /Back to the batch/ }).click();
    } finally {
      await simFaults({ gemini: { safetyBlockTitles: null } });
    }
    await page.getByRole('button', { name: 'Retry failed (2)' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=matrix] .mx-cell.s-completed').length === 2, null, { timeout: 300_000 });
    await waitForDone(page);
    await page.locator('h1 .badge.s-completed').waitFor();
    // The job keeps both runs: the refusal, then the success.
    await page.goto(`${base}/jobs/${jobId}`);
    const log = page.getByRole('region', { name: 'Attempt log' }).locator('tbody tr');
    await log.nth(1).waitFor();
    assert.match((await log.nth(0).textContent()) ?? '', /^1failed/);
    assert.match((await log.nth(1).textContent()) ?? '', /^2completed/);
  });

  it('expand_titles: titles loaded from a file and one language', async () => {
    const { page } = b;
    await page.goto(`${base}/`);
    await page.getByRole('radio', { name: /Many titles, one language/ }).check();
    const fileTitles = [`Rivers that run backwards ${run}`, `The secret life of moss ${run}`, `How lighthouses work ${run}`];
    await page.locator('input[name=titles-file]').setInputFiles({ name: 'titles.txt', mimeType: 'text/plain', buffer: Buffer.from(fileTitles.join('\n') + '\n') });
    // The file is read asynchronously: wait for the count it produces, then compare the text.
    await page.getByText('3 titles').waitFor();
    assert.equal(await page.getByLabel('Titles, one a line').inputValue(), fileTitles.join('\n'));
    assert.ok((await page.locator('input[name=language-choice][type=radio]').count()) > 0, 'one language: radio buttons');
    await chooseLanguage(page, 'pt-BR');
    await chooseLanguage(page, 'es-ES');
    assert.equal(await page.locator('.chips li').count(), 1, 'choosing another language replaces the first');
    await shortAgent(page);
    await expectEstimateJobs(page, 3);
    await startBatch(page);
    await waitForDone(page);
    assert.equal(await cellCount(page, 'completed'), 3);
  });

  it('lists the batches in history, filtered by status', async () => {
    const { page } = b;
    await page.getByRole('link', { name: 'History' }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.locator(`a[href="/batches/${batchId}"]`).waitFor();
    await page.getByLabel('Status').selectOption('running');
    await page.waitForFunction((id) => !document.querySelector(`a[href="/batches/${id}"]`), batchId);
    await page.getByLabel('Status').selectOption('completed');
    await page.locator(`a[href="/batches/${batchId}"]`).waitFor();
    assert.deepEqual(await axeProblems(page), [], 'history');
    await screenshots(page, 'history');
    await page.setViewportSize({ width: 375, height: 812 });
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Start batch' }).waitFor();
    assert.equal(await overflowsSideways(page), false, 'the form fits 375 px');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('logged no console error and sent nothing off the machine', () => {
    assert.deepEqual(b.errors, []);
    assert.deepEqual(b.refused, []);
  });
});
