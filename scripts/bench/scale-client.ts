// The `scale` scenario's client: a process of its own that polls the batch's status and follows its progress
// stream, as a user's page would, so what it measures is the API's latency and not the stalls of the bench's
// process (which also serves the simulators). Started with IPC by scale.ts; on its "stop" message it answers
// with what it measured and exits.
import { spawn } from 'node:child_process';
import { followEvents, pollStatus } from './scale-probes';
import { loopbackGuardArgs } from '../../test/support/loopback-guard';

export interface ClientFigures {
  statusMs: number[];
  sse: { firstEventMs: number | null; lagsMs: number[]; events: number };
}

interface Start {
  batchUrl: string;
  token: string;
}

/** Starts the client process on one batch; `stop()` ends its probes and resolves with their figures. */
export async function startClient(batchUrl: string, token: string): Promise<{ stop(): Promise<ClientFigures> }> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), ...loopbackGuardArgs(), __filename], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const figures = new Promise<ClientFigures>((resolve, reject) => {
    child.once('message', (m) => resolve(m as ClientFigures));
    void exited.then(() => reject(new Error('the scale client exited before it reported')));
  });
  figures.catch(() => undefined); // handled by the caller of stop()
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  child.send({ batchUrl, token } satisfies Start);
  return {
    async stop() {
      child.send('stop');
      const result = await figures;
      await exited;
      return result;
    },
  };
}

/** The client's side: waits for its batch, probes until told to stop, reports and disconnects. */
function serve(): void {
  process.once('message', (start: Start) => {
    const status = pollStatus(start.batchUrl, start.token);
    const events = followEvents(`${start.batchUrl}/events`, start.token);
    process.once('message', () => {
      events.stop();
      void Promise.all([status.stop(), events.done]).then(([statusMs, sse]) => {
        process.send!({ statusMs, sse } satisfies ClientFigures, () => process.disconnect());
      });
    });
  });
}

if (require.main === module) serve();
