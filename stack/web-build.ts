// Keeps the page's build current for `npm start` and the e2e tests: builds web/ with Vite when web/dist is
// missing or older than any file it was built from (the list the build itself wrote, build-sources.json).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { WEB_DIST } from '../api/web';

const REPO = path.resolve(__dirname, '..');

const mtime = (file: string): number => {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY; // a source that moved away makes the build stale
  }
};

/** Why the page needs building, or undefined when the build is current. */
export function webBuildStaleness(dist = WEB_DIST, repo = REPO): string | undefined {
  const index = path.join(dist, 'index.html');
  if (!fs.existsSync(index)) return 'no build yet';
  let sources: string[];
  try {
    sources = (JSON.parse(fs.readFileSync(path.join(dist, 'build-sources.json'), 'utf8')) as { sources: string[] }).sources;
  } catch {
    return 'the build lists no sources';
  }
  const built = mtime(index);
  // New files under web/src count too: a build never saw them.
  const webFiles = listFiles(path.join(repo, 'web', 'src')).map((f) => path.relative(repo, f).split(path.sep).join('/'));
  const newer = [...new Set([...sources, ...webFiles])].find((s) => mtime(path.join(repo, s)) > built);
  return newer ? `${newer} changed since the last build` : undefined;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Runs `vite build web` (the same as `npm run build:web`); rejects with Vite's output when it fails. */
export function buildWeb(log: (line: string) => void, repo = REPO): Promise<void> {
  const vite = path.join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!fs.existsSync(vite)) return Promise.reject(new Error('Vite is not installed: run `npm install` (it is a dev dependency), then `npm run build:web`'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', 'web'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) {
        log('page built (web/dist)');
        resolve();
      } else reject(new Error(`building the page failed (exit ${code}):\n${output.trim().slice(-4000)}`));
    });
  });
}

/** Builds the page when it is missing or stale; a no-op otherwise. */
export async function ensureWebBuild(log: (line: string) => void): Promise<void> {
  const why = webBuildStaleness();
  if (!why) return;
  log(`building the page: ${why}…`);
  await buildWeb(log);
}
