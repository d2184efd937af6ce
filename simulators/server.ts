// One HTTP server hosting both provider simulators, plus a control API for tests (`/_sim/...`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GeminiSimulator, type GeminiSimOptions } from './gemini';
import { sendJson } from './http';
import { TtsSimulator, type TtsSimOptions } from './tts';

export interface SimulatorServer {
  readonly url: string;
  readonly gemini: GeminiSimulator;
  readonly tts: TtsSimulator;
  close(): Promise<void>;
}

/** Starts the simulators on 127.0.0.1 (port 0 picks a free one). */
export async function startSimulators(opts: { port?: number; gemini?: GeminiSimOptions; tts?: TtsSimOptions } = {}): Promise<SimulatorServer> {
  const gemini = new GeminiSimulator(opts.gemini);
  const tts = new TtsSimulator(opts.tts);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void (async () => {
      if (url.pathname === '/_sim/stats' && req.method === 'GET') {
        return sendJson(res, 200, { gemini: gemini.counters.snapshot(), tts: tts.counters.snapshot() });
      }
      if (url.pathname === '/_sim/reset' && req.method === 'POST') {
        gemini.counters.reset();
        tts.counters.reset();
        return sendJson(res, 200, { ok: true });
      }
      if (await gemini.handle(req, res, url)) return;
      if (await tts.handle(req, res, url)) return;
      sendJson(res, 404, { error: { code: 404, message: `No simulator route for ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } });
    })().catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { code: 500, message: String(err), status: 'INTERNAL' } });
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    gemini,
    tts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
