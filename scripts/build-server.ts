// Second half of `npm run build:server` (after tsc wrote dist/): pre-bundles the workflow code into
// dist/workflow-bundle.js, which production workers load instead of bundling at start, and copies the
// data files the compiled code reads (catalog/, our WebAssembly modules of native/, the built page) beside it.
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflows } from '../workers/worker';

async function main(): Promise<void> {
  // Run as dist/scripts/build-server.js: dist is one folder up, the repository two.
  const dist = path.resolve(__dirname, '..');
  const repo = path.resolve(dist, '..');
  const workflows = path.join(dist, 'workflows', 'index.js');
  if (!fs.existsSync(workflows)) throw new Error(`${workflows} is missing: run tsc -p tsconfig.build.json first`);
  // Two bundles: without and with the OpenTelemetry workflow interceptors (used when tracing is on).
  const { code } = await bundleWorkflows();
  fs.writeFileSync(path.join(dist, 'workflow-bundle.js'), code);
  fs.writeFileSync(path.join(dist, 'workflow-bundle.tracing.js'), (await bundleWorkflows({ tracing: true })).code);
  fs.cpSync(path.join(repo, 'catalog'), path.join(dist, 'catalog'), { recursive: true });
  const modules = [path.join('native', 'ebur128-meter', 'ebur128_meter.wasm'), path.join('native', 'lame-mp3', 'lame_mp3.wasm')];
  for (const m of modules) fs.cpSync(path.join(repo, m), path.join(dist, m));
  // The page (npm run build:web runs first in `npm run build`): the compiled API serves it from dist/web/dist.
  const page = path.join(repo, 'web', 'dist');
  if (fs.existsSync(page)) fs.cpSync(page, path.join(dist, 'web', 'dist'), { recursive: true });
  console.log(`build: dist/workflow-bundle.js (${Math.round(code.length / 1024)} KiB), dist/catalog, ${modules.map((m) => `dist/${m}`).join(', ')}${fs.existsSync(page) ? ', dist/web/dist' : ''}`);
}

main().catch((err: unknown) => {
  console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
