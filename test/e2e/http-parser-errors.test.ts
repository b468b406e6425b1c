/**
 * What Node's HTTP parser refuses before any Express code runs still gets a complete
 * problem+json answer (status, Content-Length, Connection: close), and then the connection is
 * closed. Raw bytes over TCP, to both services.
 */
import { describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/http/api-server.ts';
import { closeServer, listen } from '../../src/http/server-lifecycle.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/http/server-limits.ts';
import { silentLogger, useTestServices } from '../helpers/network.ts';
import { problemViolations } from '../helpers/problem-schema.ts';
import { HOST_HEADER, PARSER_REFUSALS } from '../helpers/malformed-http.ts';
import { exchangeOverTcp, parseHttpResponse } from '../helpers/raw-http.ts';

const services = useTestServices();

describe.each(['coordinator', 'worker'] as const)('what the HTTP parser refuses on the %s', (service) => {
  it.each(PARSER_REFUSALS)('answers $name with a $status problem and closes the connection', async ({ request, status }) => {
    const url = services.urlOf(service);
    const { received, closedByServer } = await exchangeOverTcp(url, request);
    expect(closedByServer).toBe(true);
    const response = parseHttpResponse(received);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
    expect(response.headers.connection).toBe('close');
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expect(response.rest.length).toBe(0);
    const problem = JSON.parse(response.body) as unknown;
    expect(problemViolations(problem)).toEqual([]);
    expect(problem).toMatchObject({ status });
  });

  it('answers a HEAD it refuses without a body', async () => {
    const url = services.urlOf(service);
    const { received, closedByServer } = await exchangeOverTcp(url, `HEAD /${'a'.repeat(20_000)} HTTP/1.1\r\n${HOST_HEADER}\r\n`);
    expect(closedByServer).toBe(true);
    const response = parseHttpResponse(received, { head: true });
    expect(response.status).toBe(431);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json\b/);
    expect(Number(response.headers['content-length'])).toBeGreaterThan(0);
    expect(response.rest.toString()).toBe('');
  });

  it('still serves requests afterwards', async () => {
    const url = services.urlOf(service);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });
});

describe('a parse error behind a response in flight', () => {
  it('lets that response finish, writes nothing after it, and then closes', async () => {
    // A response whose headers are out and whose body is not yet: nothing may be written into it.
    const server = createApiServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '10' });
        res.write('hello');
        setTimeout(() => res.end('world'), 100);
      },
      { logger: silentLogger, limits: DEFAULT_SERVER_LIMITS },
    );
    const url = await listen(server, 0, '127.0.0.1');
    try {
      const { received, closedByServer } = await exchangeOverTcp(url, (socket) => {
        socket.write(`GET / HTTP/1.1\r\n${HOST_HEADER}\r\n`);
        socket.once('data', () => socket.write(`FOO / HTTP/1.1\r\n${HOST_HEADER}\r\n`));
      });
      expect(closedByServer).toBe(true);
      const response = parseHttpResponse(received);
      expect({ status: response.status, body: response.body, rest: response.rest.toString() }).toEqual({
        status: 200,
        body: 'helloworld',
        rest: '',
      });
    } finally {
      await closeServer(server);
    }
  });
});
