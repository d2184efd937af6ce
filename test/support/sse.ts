// Reads a Server-Sent Events stream until it closes, returning every event in arrival order (tests only).

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

export async function readEvents(url: string, token: string, onEvent?: (e: SseEvent) => void): Promise<{ status: number; events: SseEvent[] }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  const events: SseEvent[] = [];
  if (!res.body || res.status !== 200) return { status: res.status, events };
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const e: SseEvent = { event: 'message', data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const field = line.slice(0, i);
        const value = line.slice(i + 1).replace(/^ /, '');
        if (field === 'id') e.id = value;
        else if (field === 'event') e.event = value;
        else if (field === 'data') {
          e.data += value;
          hasData = true;
        }
      }
      if (hasData) {
        events.push(e);
        onEvent?.(e);
      }
    }
  }
  return { status: res.status, events };
}
