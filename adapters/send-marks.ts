// When a provider call's request body left this process. Node's fetch (undici, which @google/genai uses) publishes
// each request's creation and the moment its body was written to the socket on diagnostics channels; the http
// module (node-fetch, which the TTS SDK's REST fallback uses) publishes each request's start, whose 'finish' event
// says when the body was handed to the socket. A request created inside `withSendMark` is tied to that mark (the
// creation runs in the caller's async context), so the key pool learns when a call's request really left, after
// the SDK's own work, which on a loaded worker can take seconds.
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';

/** What one provider call's requests told of their sending. */
export interface SendMark {
  /** When the last of its request bodies was written to the socket (ms since the epoch); unset when none was seen. */
  bodySentAt?: number;
  /** Request bodies sent within the call. */
  requests: number;
}

const current = new AsyncLocalStorage<SendMark>();
const marks = new WeakMap<object, SendMark>();
let listening = false;

function onCreate(message: unknown): void {
  const mark = current.getStore();
  const request = (message as { request?: object }).request;
  if (mark && request) marks.set(request, mark);
}

function noteSent(mark: SendMark): void {
  mark.bodySentAt = Date.now();
  mark.requests++;
}

function onBodySent(message: unknown): void {
  const request = (message as { request?: object }).request;
  const mark = request ? marks.get(request) : undefined;
  if (mark) noteSent(mark);
}

function onHttpStart(message: unknown): void {
  const mark = current.getStore();
  const request = (message as { request?: { once?: (event: 'finish', listener: () => void) => unknown } }).request;
  if (mark && typeof request?.once === 'function') request.once('finish', () => noteSent(mark));
}

function listen(): void {
  if (listening) return;
  listening = true;
  diagnostics.subscribe('undici:request:create', onCreate);
  diagnostics.subscribe('undici:request:bodySent', onBodySent);
  diagnostics.subscribe('http.client.request.start', onHttpStart);
}

/** Runs `call` so that the requests it makes (Node's fetch or http module) note on `mark` when their bodies were sent. */
export function withSendMark<T>(mark: SendMark, call: () => Promise<T>): Promise<T> {
  listen();
  return current.run(mark, call);
}
