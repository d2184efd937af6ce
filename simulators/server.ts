// One HTTP server hosting both provider simulators, plus a control API for tests (`/_sim/...`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { threadModule } from '../adapters/thread-module';
import type { FrontDoorData } from './front-door';
import { GeminiSimulator, type GeminiSimOptions } from './gemini';
import { HttpError, readJson, sendGoogleError, sendJson } from './http';
import { TtsSimulator, type TtsSimOptions } from './tts';

export interface SimulatorServer {
  readonly url: string;
  readonly gemini: GeminiSimulator;
  readonly tts: TtsSimulator;
  close(): Promise<void>;
}

export interface SimulatorsOptions {
  port?: number;
  gemini?: GeminiSimOptions;
  tts?: TtsSimOptions;
  /**
   * Whether requests come in through the front door (a hop through another thread). Off only where no quota or call
   * time is read, such as the `overhead` bench, whose zero-latency simulators would otherwise spend its CPU. @default true
   */
  frontDoor?: boolean;
}

/** Opens the front door (front-door.ts) on its own thread, in front of the simulators' server on `target`. */
async function openFrontDoorThread(data: FrontDoorData): Promise<{ port: number; close: () => Promise<void> }> {
  const { filename, execArgv } = threadModule(__filename, 'front-door');
  // Loaded by require, with tsx's hook for the source: so under every runner (tsx's CLI registers an ESM loader that
  // a thread's entry module would not get).
  const worker = new Worker(`require(${JSON.stringify(filename)});`, { eval: true, workerData: data, execArgv });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the simulators' front door stopped (exit code ${code})`)));
    worker.once('message', (m: { port?: number; error?: string }) => (m.port ? resolve(m.port) : reject(new Error(`the simulators' front door did not open: ${m.error}`))));
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  worker.removeAllListeners();
  // A door that fails later refuses connections, which the callers see; it does not take this process down.
  worker.on('error', () => undefined);
  // A front door left open keeps no process alive: its server closes with the simulators.
  worker.unref();
  return {
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        const done = setTimeout(resolve, 2000);
        worker.once('message', () => {
          clearTimeout(done);
          resolve();
        });
        worker.postMessage('close');
      });
      await worker.terminate();
    },
  };
}

/**
 * The `/_sim/faults` control route: GET shows the options, POST merges options (a null value removes one), DELETE
 * restores the start options.
 */
function faultsApi(gemini: GeminiSimulator, tts: TtsSimulator, initial: { gemini: GeminiSimOptions; tts: TtsSimOptions }) {
  const view = () => ({ gemini: { ...gemini.options, voices: undefined }, tts: { ...tts.options, voices: tts.options.voices ? `${tts.options.voices.length} voices` : undefined } });
  return async (req: http.IncomingMessage, res: http.ServerResponse) => {
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
}

/**
 * Starts the simulators on 127.0.0.1 (port 0 picks a free one). Requests come in through a front door on a thread
 * of its own, which notes when each arrived: the quotas and call times count from there, as a provider counts,
 * however busy this process's event loop is.
 */
export async function startSimulators(opts: SimulatorsOptions = {}): Promise<SimulatorServer> {
  const gemini = new GeminiSimulator({ ...opts.gemini });
  const tts = new TtsSimulator({ ...opts.tts });
  const faults = faultsApi(gemini, tts, { gemini: { ...opts.gemini }, tts: { ...opts.tts } });
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
  // Idle connections stay a minute, longer than any client here keeps one unused (the front door's agent: 4 s),
  // so a request is never sent on a connection this server is closing (lost with no answer, or answered unseen).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.frontDoor === false ? (opts.port ?? 0) : 0, '127.0.0.1', () => resolve());
  });
  const served = server.address() as AddressInfo;
  const closeServer = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  if (opts.frontDoor === false) return { url: `http://127.0.0.1:${served.port}`, gemini, tts, close: closeServer };
  const door = await openFrontDoorThread({ port: opts.port ?? 0, target: served.port }).catch(async (err: unknown) => {
    await closeServer();
    throw err;
  });
  return {
    url: `http://127.0.0.1:${door.port}`,
    gemini,
    tts,
    close: async () => {
      await door.close();
      await closeServer();
    },
  };
}
