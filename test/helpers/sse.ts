/**
 * A server-sent events reader for the tests: it connects with fetch, parses the stream with the
 * client library's reader, and hands events over in order.
 */
import { readEventStream, type ServerSentEvent } from '../../src/client/event-stream.ts';

export type { ServerSentEvent };

export interface EventStream {
  readonly status: number;
  readonly contentType: string | null;
  /** Every event received so far, in order. */
  readonly events: ServerSentEvent[];
  /** Comment lines received so far (heartbeats). */
  readonly comments: string[];
  /** Resolves when `count` events have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ServerSentEvent[]>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Hangs up and waits for the stream to end. */
  close(): Promise<void>;
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: ServerSentEvent[] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  const notify = () => {
    for (const wake of waiters.splice(0)) wake();
  };
  const ended = (async () => {
    if (response.body === null) return;
    try {
      await readEventStream(response.body as AsyncIterable<Uint8Array>, {
        onEvent(event) {
          events.push(event);
          notify();
        },
        onComment: (text) => comments.push(text),
      });
    } catch {
      // Closed by us, or cut by the server.
    } finally {
      notify();
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    events,
    comments,
    ended,
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (events.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`only ${events.length} of ${count} events arrived within ${timeoutMs} ms`);
        await Promise.race([
          new Promise<void>((resolve) => waiters.push(resolve)),
          ended,
          new Promise((resolve) => setTimeout(resolve, left)),
        ]);
        if (events.length < count && (await Promise.race([ended.then(() => true), Promise.resolve(false)]))) {
          throw new Error(`the stream ended after ${events.length} of ${count} events`);
        }
      }
      return events.slice(0, count);
    },
    async close() {
      controller.abort();
      await ended;
    },
  };
}
