/**
 * Local stand-ins for public market-data APIs, on 127.0.0.1 only: a server that answers each
 * request as the test says (a provider-shaped body, an error status, a slow or huge answer, a
 * redirect) and counts what it was asked. The bodies follow the shapes in the providers'
 * documentation that the presets name (src/worker/sources/presets.ts).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureRequest {
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export interface FixtureReply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: string | object;
  /** Wait this long before answering (a slow provider). */
  delayMs?: number;
}

export type Respond = (request: FixtureRequest) => FixtureReply;

export interface PriceFixture {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FixtureRequest[];
  /** Replaces how the server answers from now on. */
  respond: Respond;
  close(): Promise<void>;
}

export async function startPriceFixture(respond: Respond): Promise<PriceFixture> {
  const timers = new Set<NodeJS.Timeout>();
  const fixture = {
    url: '',
    requests: [] as FixtureRequest[],
    respond,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const request = { path: url.pathname, query: url.searchParams, headers: req.headers };
    fixture.requests.push(request);
    const reply = fixture.respond(request);
    const send = () => {
      const body = typeof reply.body === 'string' || reply.body === undefined ? (reply.body ?? '') : JSON.stringify(reply.body);
      const type = typeof reply.body === 'object' ? { 'content-type': 'application/json' } : {};
      res.writeHead(reply.status ?? 200, { ...type, ...reply.headers });
      res.end(body);
    };
    if (reply.delayMs === undefined) send();
    else {
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, reply.delayMs);
      timers.add(timer);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fixture.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fixture;
}

/** Bodies shaped as each preset's provider documents them. */
export const providerBodies = {
  coinbaseSpot: (amount: string | number, base = 'BTC', currency = 'USD') => ({ data: { amount, base, currency } }),
  krakenTicker: (last: string | number, key = 'XXBTZUSD') => ({
    error: [],
    result: {
      [key]: {
        a: ['42001.00000', '1', '1.000'],
        b: ['41999.00000', '2', '2.000'],
        c: [last, '0.00150000'],
        v: ['1000.1', '2000.2'],
        p: ['41900.1', '41800.2'],
        t: [12000, 24000],
        l: ['41000.0', '40900.0'],
        h: ['42500.0', '42600.0'],
        o: '41500.0',
      },
    },
  }),
  krakenError: (message: string) => ({ error: [message], result: {} }),
  bitstampTicker: (last: string | number) => ({
    timestamp: '1767225600',
    open: '41500',
    high: '42500',
    low: '41000',
    last,
    volume: '1234.5',
    vwap: '41800',
    bid: '41999',
    ask: '42001',
    side: '0',
    open_24: '41400',
    percent_change_24: '1.45',
  }),
  coingeckoSimple: (price: string | number, id = 'bitcoin', currency = 'usd') => ({ [id]: { [currency]: price } }),
  coingeckoError: (message: string) => ({ status: { error_code: 429, error_message: message } }),
};
