/**
 * Raw HTTP exchanges for the fuzz tests. `fetch` normalises what it sends (it resolves `..`
 * segments, percent-encodes the path, refuses some headers and re-encodes lone surrogates), so
 * the fuzzers use node:http, which puts the path and the body bytes on the wire as given.
 */
import { Agent, request } from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent verbatim; node:http accepts the bytes 0x21–0xFF only, so encode anything else. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface RawReply {
  status: number;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** The body as UTF-8 text ('' when there is none). */
  text: string;
}

export interface RawClient {
  send(baseUrl: string, req: RawRequest): Promise<RawReply>;
  close(): void;
}

/** A keep-alive client; every exchange is bounded by `timeoutMs`, so a hung server fails fast. */
export function createRawClient(timeoutMs = 10_000): RawClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return {
    send(baseUrl, req) {
      const { hostname, port } = new URL(baseUrl);
      const body =
        req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body, 'utf8') : Buffer.from(req.body);
      return new Promise<RawReply>((resolve, reject) => {
        const outgoing = request(
          {
            agent,
            host: hostname,
            port: Number(port),
            method: req.method,
            path: req.path,
            headers: { ...(body === undefined ? {} : { 'content-length': String(body.length) }), ...req.headers },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                contentType: res.headers['content-type'],
                headers: res.headers,
                text: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        outgoing.on('timeout', () =>
          outgoing.destroy(new Error(`no answer to ${req.method} ${req.path.slice(0, 200)} within ${timeoutMs} ms`)),
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}
