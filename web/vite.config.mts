// Builds the page into web/dist: hashed assets under /assets (served with long-cache headers by the API),
// and build-sources.json, the repository files the bundle was made from (so `npm start` can tell a stale build).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(root, '..');

/** Lists every module of the bundle that lives in the repository (not node_modules). */
function buildSources(): Plugin {
  return {
    name: 'bolt-build-sources',
    generateBundle() {
      const files = [...this.getModuleIds()]
        .map((id) => id.split('?')[0]!)
        .filter((id) => path.isAbsolute(id) && id.startsWith(repo + path.sep) && !id.includes(`${path.sep}node_modules${path.sep}`))
        .map((id) => path.relative(repo, id).split(path.sep).join('/'));
      const sources = [...new Set([...files, 'web/index.html', 'web/vite.config.mts', 'package-lock.json'])].sort();
      this.emitFile({ type: 'asset', fileName: 'build-sources.json', source: JSON.stringify({ sources }, null, 1) });
    },
  };
}

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  plugins: [buildSources()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
