/**
 * The API server builds an Express app's requests and responses on the app's own prototypes,
 * so that Express's per-request Object.setPrototypeOf changes nothing (src/http/express-messages.ts),
 * and Express behaves as before: its request and response methods, `req.app`, errors.
 */
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiServer } from '../../src/http/api-server.ts';
import { closeServer, listen } from '../../src/http/server-lifecycle.ts';
import { DEFAULT_SERVER_LIMITS } from '../../src/http/server-limits.ts';
import { silentLogger } from '../helpers/network.ts';

let server: Server | undefined;
afterEach(async () => {
  if (server) await closeServer(server);
  server = undefined;
});

describe("an Express app's messages", () => {
  it('are built with the prototypes Express gives them, before any of its code runs, and still work as Express messages', async () => {
    const app = express();
    app.get('/hello', (req, res) => {
      res.status(201).json({ host: req.get('host') === req.headers.host, app: req.app === app, query: req.query, path: req.path });
    });
    app.get('/fails', () => {
      throw new Error('on purpose');
    });
    server = createApiServer(app, { logger: silentLogger, limits: DEFAULT_SERVER_LIMITS });
    const before: boolean[] = [];
    // Ahead of the app: what node:http built, before Express could set anything.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      before.push(Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response);
    });
    const url = await listen(server, 0, '127.0.0.1');

    const hello = await fetch(`${url}/hello?x=1`);
    expect(hello.status).toBe(201);
    expect(hello.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await hello.json()).toEqual({ host: true, app: true, query: { x: '1' }, path: '/hello' });
    expect((await fetch(`${url}/fails`)).status).toBe(500);
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect(before).toEqual([true, true, true]);
  });

  it('leaves a plain request listener with node:http’s own classes', async () => {
    let prototypes: [unknown, unknown] | undefined;
    server = createApiServer(
      (req, res) => {
        prototypes = [Object.getPrototypeOf(req), Object.getPrototypeOf(res)];
        res.end();
      },
      { logger: silentLogger, limits: DEFAULT_SERVER_LIMITS },
    );
    const url = await listen(server, 0, '127.0.0.1');
    expect((await fetch(url)).status).toBe(200);
    expect(prototypes).toEqual([IncomingMessage.prototype, ServerResponse.prototype]);
  });
});
