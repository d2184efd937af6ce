// Serving the API over HTTP with a graceful stop: no new connections, open SSE streams told to
// reconnect elsewhere, requests in flight allowed to finish (up to a grace time), then close.
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { ProgressHub } from './progress';

export interface ServingApi {
  server: Server;
  port: number;
  /** Stops accepting, ends SSE streams with a final event, waits for requests in flight (at most `graceMs`). */
  close(graceMs?: number): Promise<void>;
}

export async function serveApi(app: Express, port: number, host: string, log: (line: string) => void): Promise<ServingApi> {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) => {
    closing ??= new Promise<void>((resolve) => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      const hub = (app.locals as { progress?: ProgressHub }).progress;
      const streams = hub?.closeAll() ?? 0;
      server.closeIdleConnections();
      log(`API stopping: no new requests; ${streams} event stream(s) ended; waiting up to ${Math.round(graceMs / 1000)} s for requests in flight`);
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      void closed.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return closing;
  };
  return { server, port: bound, close };
}
