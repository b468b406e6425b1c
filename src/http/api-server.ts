/**
 * The node:http server both services run their Express app in. Node's HTTP parser refuses some
 * requests before any application code sees them (an unknown method, a request head over
 * 16 KiB, a space in a header name, Content-Length with Transfer-Encoding, raw non-ASCII bytes
 * in the path, a bad chunk size), and Node itself times out a request that is not received in
 * time; by default it answers them with an empty 400, 431 or 408. Here its `clientError` event
 * answers them, like every other error, with a complete problem+json response and
 * `Connection: close`, and then closes the connection. The server's timeouts and connection cap
 * come from ServerLimits.
 */
import { createServer, maxHeaderSize, STATUS_CODES, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../logging/logger.ts';
import { expressMessageClasses } from './express-messages.ts';
import { ProblemError } from './problems.ts';
import { connectionsCheckingIntervalMs, type ServerLimits } from './server-limits.ts';

export interface ApiServerOptions {
  logger: Logger;
  limits: ServerLimits;
}

export function createApiServer(app: RequestListener, options: ApiServerOptions): Server {
  const { limits, logger } = options;
  const requestTimeout = limits.requestTimeoutMs;
  // Node refuses a headers timeout longer than the request timeout; the whole request bounds its head anyway.
  const headersTimeout = Math.min(limits.headersTimeoutMs, requestTimeout);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(limits),
      // An Express app's requests and responses are built on its prototypes instead of swapped to them.
      ...expressMessageClasses(app),
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  server.on('drop', () => logger.warn({ max_connections: limits.maxConnections }, 'connection refused: too many open'));
  // The response each connection is on, so that a late parse error never writes into one.
  const responses = new WeakMap<Duplex, ServerResponse>();
  server.on('request', (req, res: ServerResponse) => responses.set(req.socket, res));
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    const last = responses.get(socket);
    // The response to the request being received, if its head is in; not one that has finished.
    const current = last !== undefined && !last.writableFinished ? last : undefined;
    // Node reports both timeouts alike: a request whose head is in missed the whole-request one.
    const timeoutDetail =
      current === undefined
        ? `The request line and headers were not received within ${headersTimeout} ms`
        : `The request body was not received within ${requestTimeout} ms`;
    answerClientError({ error, socket, current, logger, timeoutDetail });
  });
  return server;
}

/** What Node's clientError event hands over: llhttp's errors carry the chunk being parsed. */
type ClientError = NodeJS.ErrnoException & { reason?: unknown; rawPacket?: unknown };

interface ClientErrorContext {
  error: ClientError;
  socket: Duplex;
  current: ServerResponse | undefined;
  logger: Logger;
  timeoutDetail: string;
}

/** llhttp's error codes start with HPE_; Node's own timeout is the other HTTP-level error. */
function problemOfClientError({ error, timeoutDetail }: ClientErrorContext): ProblemError | undefined {
  const code = error.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new ProblemError('REQUEST_TIMEOUT', timeoutDetail);
  if (code === 'HPE_HEADER_OVERFLOW') {
    return new ProblemError('HEADERS_TOO_LARGE', `The request line and headers exceed ${maxHeaderSize} bytes`);
  }
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    return new ProblemError('PAYLOAD_TOO_LARGE', 'The chunk extensions of the request body are too large');
  }
  if (!code.startsWith('HPE_')) return undefined;
  // llhttp's reasons are fixed texts ("Invalid method encountered"), never bytes of the request.
  const why = typeof error.reason === 'string' && /^[\x20-\x7e]{1,200}$/.test(error.reason) ? `: ${error.reason}` : '';
  return new ProblemError('MALFORMED_REQUEST', `The request is not valid HTTP/1.1 (${code}${why})`);
}

/**
 * Whether the refused request is a HEAD, whose answer must carry no body: known when its head
 * was parsed, else guessed from the start of the chunk being parsed (a request line that was
 * too long, say). When it cannot be told, the answer has its body.
 */
function isHead({ error, current }: ClientErrorContext): boolean {
  if (current !== undefined) return current.req.method === 'HEAD';
  return Buffer.isBuffer(error.rawPacket) && error.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
}

function answerClientError(context: ClientErrorContext): void {
  const { error, socket, current, logger } = context;
  // Answered already (the parser reports the end of the connection after our answer too).
  if (socket.writableEnded) return;
  const problem = problemOfClientError(context);
  if (problem === undefined || !socket.writable) {
    // ECONNRESET, EPIPE, a client that hung up mid-request: there is nobody to answer.
    logger.debug({ code: error.code }, 'connection closed on a client error');
    socket.destroy();
    return;
  }
  logger.warn({ code: error.code, status: problem.status }, 'malformed request refused');
  if (current?.headersSent) {
    // A response is on its way: anything written now would land inside it. Let it finish, send
    // nothing after it, and close.
    current.once('close', () => socket.destroy());
    return;
  }
  const body = JSON.stringify(problem.toProblem());
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? ''}`,
    'Content-Type: application/problem+json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ].join('\r\n');
  // end() sends the answer and then a FIN; destroy() once it is out releases the socket even if
  // the parser would go on reading.
  socket.end(`${head}\r\n\r\n${isHead(context) ? '' : body}`, () => socket.destroy());
}
