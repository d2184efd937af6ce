// The simulators' front door, run on a thread of its own: it notes when each request arrives and hands it on
// to the simulators' server (on the main thread) with that time in a header. A provider counts a request
// against its quota when the request reaches it, whatever its own load; the simulators share their process's
// event loop with whatever else runs there (a whole Bolt stack in the tests and benches), which may notice a
// request hundreds of milliseconds late. Counted from this thread, the quota meters and call times see the
// arrival as a provider would.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { ARRIVAL_HEADER } from './http';

export interface FrontDoorData {
  /** The port to listen on (0: any free one). */
  port: number;
  /** The port of the simulators' own server. */
  target: number;
}

/** Starts the front door; resolves to its port. */
export async function openFrontDoor({ port, target }: FrontDoorData): Promise<{ port: number; close: () => Promise<void> }> {
  // Connections to the simulators' server are dropped after 4 s unused, well before that server closes them
  // (65 s): a keep-alive race there would fail a request the clients never saw fail at a provider.
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, timeout: 4000 });
  const server = http.createServer((req, res) => {
    const arrived = Date.now();
    const headers = { ...req.headers, [ARRIVAL_HEADER]: String(arrived) };
    const inner = http.request({ host: '127.0.0.1', port: target, method: req.method, path: req.url, headers, agent }, (answer) => {
      answer.on('error', () => res.destroy());
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.on('error', () => inner.destroy());
    res.on('error', () => inner.destroy());
    inner.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 502, message: 'Simulator unreachable.', status: 'UNAVAILABLE' } }));
      else res.destroy();
    });
    // A client that leaves (a timeout on a hanging call) leaves the simulator too.
    res.on('close', () => {
      if (!res.writableFinished) inner.destroy();
    });
    req.pipe(inner);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

// As a worker thread: open, report the port (or the failure), close when asked.
if (parentPort && workerData && typeof (workerData as Partial<FrontDoorData>).target === 'number') {
  const port = parentPort;
  openFrontDoor(workerData as FrontDoorData).then(
    (door) => {
      port.on('message', (m: unknown) => {
        if (m === 'close') void door.close().then(() => port.postMessage({ closed: true }));
      });
      port.postMessage({ port: door.port });
    },
    (err: unknown) => port.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
}
