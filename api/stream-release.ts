// Downloads release what they hold when the client goes away: the storage stream (an S3 socket or a
// file descriptor) is destroyed at once instead of waiting for a timeout.
import { pipeline, type Readable } from 'node:stream';
import type { Response } from 'express';

/** Pipes `source` to the response; an aborted download or a broken source destroys both ends. */
export function pipeToResponse(source: Readable, res: Response, log: (line: string) => void, what: string): void {
  pipeline(source, res, (err) => {
    // A client that leaves early is not a failure worth a log line; a source that breaks is.
    if (err && (err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') log(`${what} failed: ${err.message}`);
  });
}

/** The streams a multi-part download (a ZIP) has open; all are destroyed when the client leaves early. */
export class OpenStreams {
  private readonly open = new Set<Readable>();
  /** True once the client went away: later sources must not be opened. */
  closed = false;

  constructor(res: Response) {
    res.once('close', () => {
      if (!res.writableFinished) this.closeAll();
    });
  }

  /** Tracks a source; one opened after the client left is destroyed right away. */
  add(s: Readable): Readable {
    if (this.closed) {
      s.destroy();
      return s;
    }
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
    return s;
  }

  closeAll(): void {
    this.closed = true;
    for (const s of this.open) s.destroy();
    this.open.clear();
  }
}
