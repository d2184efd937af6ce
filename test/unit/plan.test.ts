import assert from 'node:assert/strict';
import { PlanError, countJobs, countMasters, planJobs, type BatchShape } from '../../domain/plan';

const langs = (...codes: string[]) => codes.map((language) => ({ language, voice: `${language}-Neural2-A` }));

describe('planJobs', () => {
  it('expands a matrix into titles × languages × variations, master language first-class', () => {
    const shape: BatchShape = { mode: 'matrix', titles: ['Alpha title', 'Beta title'], languages: langs('en-US', 'pt-BR', 'ja-JP'), variations: 2, masterLanguage: 'en-US' };
    const jobs = planJobs(shape);
    assert.equal(jobs.length, 12);
    assert.equal(countJobs(shape), 12);
    assert.equal(countMasters(shape), 4);
    assert.deepEqual(jobs.map((j) => j.seq), [...Array(12).keys()]);
    // Title-major, then variation, then language: jobs sharing a master are adjacent.
    assert.deepEqual(jobs.slice(0, 3).map((j) => [j.titleIndex, j.variation, j.language]), [
      [0, 1, 'en-US'],
      [0, 1, 'pt-BR'],
      [0, 1, 'ja-JP'],
    ]);
    assert.equal(jobs.filter((j) => j.usesMasterDirectly).length, 4);
    assert.ok(jobs.filter((j) => j.usesMasterDirectly).every((j) => j.language === 'en-US'));
    assert.equal(new Set(jobs.map((j) => `${j.titleIndex}/${j.variation}/${j.language}`)).size, 12);
  });

  it('expand_languages takes one title and N languages', () => {
    const jobs = planJobs({ mode: 'expand_languages', titles: ['Only title'], languages: langs('en-US', 'es-ES'), variations: 1, masterLanguage: 'fr-FR' });
    assert.equal(jobs.length, 2);
    assert.ok(jobs.every((j) => !j.usesMasterDirectly), 'no job is in the master language, so all adapt');
    assert.throws(() => planJobs({ mode: 'expand_languages', titles: ['One', 'Two'], languages: langs('en-US'), variations: 1, masterLanguage: 'en-US' }), PlanError);
  });

  it('expand_titles takes N titles and one language', () => {
    const jobs = planJobs({ mode: 'expand_titles', titles: ['One title', 'Two title', 'Three title'], languages: langs('pt-BR'), variations: 3, masterLanguage: 'pt-BR' });
    assert.equal(jobs.length, 9);
    assert.ok(jobs.every((j) => j.usesMasterDirectly));
    assert.throws(() => planJobs({ mode: 'expand_titles', titles: ['One'], languages: langs('pt-BR', 'en-US'), variations: 1, masterLanguage: 'pt-BR' }), /exactly 1 language/);
  });

  it('rejects duplicate languages, empty lists and bad variation counts', () => {
    const base: BatchShape = { mode: 'matrix', titles: ['A title'], languages: langs('en-US'), variations: 1, masterLanguage: 'en-US' };
    assert.throws(() => planJobs({ ...base, languages: langs('en-US', 'en-US') }), /listed twice/);
    assert.throws(() => planJobs({ ...base, titles: [] }), /at least one title/);
    assert.throws(() => planJobs({ ...base, variations: 6 }), /1 to 5/);
    assert.throws(() => planJobs({ ...base, variations: 0 }), /1 to 5/);
  });
});
