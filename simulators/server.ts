// One HTTP server hosting both provider simulators, plus a control API for tests (`/_sim/...`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GeminiSimulator, type GeminiSimOptions } from './gemini';
import { HttpError, readJson, sendGoogleError, sendJson } from './http';
import { TtsSimulator, type TtsSimOptions } from './tts';

export interface SimulatorServer {
  readonly url: string;
  readonly gemini: GeminiSimulator;
  readonly tts: TtsSimulator;
  close(): Promise<void>;
}

/** Starts the simulators on 127.0.0.1 (port 0 picks a free one). */
export async function startSimulators(opts: { port?: number; gemini?: GeminiSimOptions; tts?: TtsSimOptions } = {}): Promise<SimulatorServer> {
  const gemini = new GeminiSimulator({ ...opts.gemini });
  const tts = new TtsSimulator({ ...opts.tts });
  const initial = { gemini: { ...opts.gemini }, tts: { ...opts.tts } };
  const view = () => ({ gemini: { ...gemini.options, voices: undefined }, tts: { ...tts.options, voices: tts.options.voices ? `${tts.options.voices.length} voices` : undefined } });
  // Faults on demand: POST merges options (a null value removes one), DELETE restores the start options.
  const faults = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (req.method === 'GET') return sendJson(res, 200, view());
    if (req.method === 'DELETE') {
      gemini.options = { ...initial.gemini };
      tts.options = { ...initial.tts };
      return sendJson(res, 200, view());
    }
    if (req.method !== 'POST') return sendGoogleError(res, new HttpError(404, 'Not found.'));
    const body = (await readJson(req)) as Record<string, unknown>;
    const unknown = Object.keys(body).filter((k) => k !== 'gemini' && k !== 'tts');
    if (unknown.length > 0) return sendGoogleError(res, new HttpError(400, `Unknown simulator: ${unknown.join(', ')} (use "gemini" or "tts").`));
    const merge = <T extends object>(current: T, patch: unknown): T => {
      if (patch === undefined) return current;
      if (!patch || typeof patch !== 'object' || Array.isArray(patch)) throw new HttpError(400, 'Each simulator takes an object of options.');
      const next = { ...current } as Record<string, unknown>;
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete next[k];
        else next[k] = v;
      }
      return next as T;
    };
    try {
      gemini.options = merge(gemini.options, body.gemini);
      tts.options = merge(tts.options, body.tts);
    } catch (err) {
      return sendGoogleError(res, err instanceof HttpError ? err : new HttpError(400, String(err)));
    }
    return sendJson(res, 200, view());
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void (async () => {
      if (url.pathname === '/_sim/stats' && req.method === 'GET') {
        return sendJson(res, 200, { gemini: gemini.counters.snapshot(), tts: tts.counters.snapshot() });
      }
      if (url.pathname === '/_sim/reset' && req.method === 'POST') {
        gemini.counters.reset();
        tts.counters.reset();
        gemini.quotas.reset();
        tts.quotas.reset();
        return sendJson(res, 200, { ok: true });
      }
      if (url.pathname === '/_sim/faults') return await faults(req, res);
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
