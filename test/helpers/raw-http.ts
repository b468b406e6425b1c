/**
 * Raw HTTP exchanges for the fuzz tests. `fetch` normalises what it sends (it resolves `..`
 * segments, percent-encodes the path, refuses some headers and re-encodes lone surrogates), so
 * the fuzzers use node:http, which puts the path and the body bytes on the wire as given. What
 * even node:http will not send (malformed requests, requests that never finish) goes over bare
 * TCP with `exchangeOverTcp`.
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

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

export interface TcpExchange {
  /** Everything the server sent. */
  received: Buffer;
  /** True when the server closed (or reset) the connection; false when the test gave up first. */
  closedByServer: boolean;
  /** From connecting to the close, or to giving up. */
  elapsedMs: number;
}

/**
 * Bytes that node:http would refuse to send (an unknown method, a space in a header name, a
 * raw UTF-8 path…), written as given to a fresh TCP connection; then reads until the server
 * closes it, or until `timeoutMs`. `payload` may be a function that writes in steps.
 */
export function exchangeOverTcp(
  baseUrl: string,
  payload: string | Uint8Array | ((socket: Socket) => void),
  timeoutMs = 5_000,
): Promise<TcpExchange> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => {
      if (typeof payload === 'function') payload(socket);
      else socket.write(payload);
    });
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), closedByServer, elapsedMs: performance.now() - started });
    };
    const timer = setTimeout(() => {
      socket.removeAllListeners('close');
      socket.destroy();
      finish(false);
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A reset counts as a close: the server may cut a connection that still has unread bytes.
    socket.on('error', () => undefined);
    socket.once('close', () => finish(true));
  });
}

export interface ParsedResponse {
  status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  headers: Record<string, string>;
  body: string;
  /** Bytes after the body (a second response, or garbage). */
  rest: Buffer;
}

/**
 * Reads one HTTP/1.1 response with a Content-Length (the only kind these tests expect); the
 * answer to a HEAD has no body whatever its Content-Length says.
 */
export function parseHttpResponse(bytes: Buffer, { head = false }: { head?: boolean } = {}): ParsedResponse {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error(`no complete response head in ${JSON.stringify(bytes.toString('latin1').slice(0, 200))}`);
  const [statusLine = '', ...lines] = bytes.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine);
  if (status === null) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(statusLine)}`);
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const length = Number(headers['content-length']);
  if (!Number.isInteger(length)) throw new Error(`a response without Content-Length: ${statusLine}`);
  const bodyStart = headEnd + 4;
  if (head) return { status: Number(status[1]), headers, body: '', rest: bytes.subarray(bodyStart) };
  return {
    status: Number(status[1]),
    headers,
    body: bytes.subarray(bodyStart, bodyStart + length).toString('utf8'),
    rest: bytes.subarray(bodyStart + length),
  };
}
