// Server-Sent Events over fetch: EventSource cannot send the Authorization header, and a token in the
// URL would land in access logs. Reconnects after the server's `retry` delay until closed or ended.
import { authHeaders } from './api';

export interface SseHandlers {
  onEvent(event: string, data: string): void;
  /** The stream is (re)connected (true) or lost and retrying (false). */
  onConnection?(up: boolean): void;
}

/** Opens the stream; the returned function closes it. The stream stops for good after an `end` event. */
export function openStream(path: string, h: SseHandlers): () => void {
  const abort = new AbortController();
  let retryMs = 2000;
  let ended = false;

  const run = async (): Promise<void> => {
    while (!abort.signal.aborted && !ended) {
      try {
        const res = await fetch(path, { headers: authHeaders({ accept: 'text/event-stream' }), signal: abort.signal });
        if (!res.ok || !res.body) {
          if (res.status === 401 || res.status === 404) return;
          throw new Error(`stream answered ${res.status}`);
        }
        h.onConnection?.(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              const i = line.indexOf(':');
              if (i <= 0) continue;
              const field = line.slice(0, i);
              const v = line.slice(i + 1).replace(/^ /, '');
              if (field === 'event') event = v;
              else if (field === 'data') data.push(v);
              else if (field === 'retry' && /^\d+$/.test(v)) retryMs = Number(v);
            }
            if (data.length) {
              if (event === 'end') ended = true;
              h.onEvent(event, data.join('\n'));
            }
          }
        }
      } catch (err) {
        if (abort.signal.aborted) return;
        void err;
      }
      if (ended || abort.signal.aborted) return;
      h.onConnection?.(false);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  };
  void run();
  return () => abort.abort();
}
