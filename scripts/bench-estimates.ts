// `npm run bench:estimates`: times the pure estimator on a 1,000-title × 80-language matrix (the bar
// is 20 ms) and prints the figures. The catalog has fewer than 80 locales, so the rest are made-up locales
// with Standard voices: the estimator's cost does not depend on which locales they are.
import { performance } from 'node:perf_hooks';
import { shippedCatalog } from '../domain/catalog';
import { estimateBatch, type EstimateInput } from '../domain/estimates';
import { BatchMode } from '../domain/plan';

const { catalog, prices } = shippedCatalog();
const languages = catalog.languages.map((language) => ({ language, voice: catalog.byLanguage.get(language)![0]!.name }));
for (let i = 0; languages.length < 80; i++) {
  const language = `x${String.fromCharCode(97 + (i % 26))}-Q${String.fromCharCode(65 + Math.floor(i / 26))}`;
  languages.push({ language, voice: `${language}-Standard-A` });
}
const titles = Array.from({ length: 1000 }, (_, i) => `How the number ${i} shaped the history of mathematics and trade`);
const input: EstimateInput = {
  mode: BatchMode.matrix,
  titles,
  languages,
  variations: 1,
  masterLanguage: 'en-US',
  agent: { name: 'bench', premisePrompt: 'Explain the topic with facts.', structurePrompt: 'Hook, five blocks, conclusion.', tone: 'warm', targetMinutes: 5 },
  model: 'gemini-2.5-flash',
};

const runs = Number(process.argv[2] ?? 50);
for (let i = 0; i < 5; i++) estimateBatch(input, prices); // warm the JIT
const times: number[] = [];
let jobs = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  jobs = estimateBatch(input, prices).counts.jobs;
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))]!.toFixed(2);
console.log(`estimateBatch: ${titles.length} titles × ${languages.length} languages = ${jobs} jobs, ${runs} runs`);
console.log(`  median ${pct(50)} ms   p95 ${pct(95)} ms   max ${times[times.length - 1]!.toFixed(2)} ms   (target < 20 ms)`);
