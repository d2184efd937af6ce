// Serves the built page (web/dist): hashed assets cached for a year, index.html never cached, and the
// page's own client routes (/batches/…, /history, …) answered with index.html. Nothing under /api/,
// /healthz or /readyz is ever shadowed: those fall through to the API's JSON 404.
import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';

/** Where `npm run build:web` writes the page. */
export const WEB_DIST = path.resolve(__dirname, '..', 'web', 'dist');

const API_PATH = /^\/(api|healthz|readyz)(\/|$)/;

/** Mounts the page. Whether it is built is checked per request, so a build made after the API started is served. */
export function serveWeb(app: Express, dir: string = WEB_DIST): void {
  const index = path.join(dir, 'index.html');
  // Vite puts a content hash in every asset name, so a changed file is a new URL.
  app.use('/assets', express.static(path.join(dir, 'assets'), { immutable: true, maxAge: '365d', index: false, redirect: false }));
  app.use(express.static(dir, { index: false, redirect: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  const page: RequestHandler = (req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATH.test(req.path) || req.path.startsWith('/assets/') || !req.accepts('html') || !fs.existsSync(index)) {
      next();
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(index);
  };
  app.use(page);
}
