/**
 * Serves the docs of a set of APIs: GET /docs (an index), /docs/<api> (Redoc), /docs/assets/*
 * (Redoc itself, from the installed package) and /openapi/<api>.yaml (the bundled spec). Mount
 * it outside the OpenAPI validator: these routes are not part of the APIs they document.
 */
import { createHash } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { ProblemError } from '../http/problems.ts';
import type { ApiDoc } from './apis.ts';
import { DOCS_ASSETS } from './assets.ts';
import { SERVED_LINKS } from './pages.ts';
import { setDocsSecurityHeaders } from './security-headers.ts';
import { buildDocsSite, type DocsSite } from './site.ts';

const ALLOWED_METHODS = 'GET, HEAD';

interface DocsResource {
  readonly contentType: string;
  readonly body: string | Buffer;
  readonly etag: string;
}

export function createDocsRouter(apis: readonly ApiDoc[]): RequestHandler {
  const loadResources = cacheSuccess(async () => resourcesByPath(await buildDocsSite(apis, SERVED_LINKS)));
  const paths = [
    SERVED_LINKS.index,
    ...apis.flatMap((api) => [SERVED_LINKS.page(api.name), SERVED_LINKS.spec(api.name)]),
    ...DOCS_ASSETS.map((asset) => SERVED_LINKS.asset(asset.fileName)),
  ];
  const router = Router();
  for (const path of paths) {
    router
      .route(path)
      .get(async (_req, res) => {
        const resource = (await loadResources()).get(path);
        if (resource === undefined) throw new Error(`the docs have nothing at ${path}`);
        sendResource(res, resource);
      })
      .all(refuseMethod);
  }
  // Every other request (all of the APIs' own) skips the router's routes at the cost of one test
  // of its path's first segment, as matched case-insensitively like the routes themselves.
  const segments = [...new Set(paths.map((path) => path.split('/')[1] ?? ''))];
  const underDocs = new RegExp(`^/(?:${segments.map(escapeRegExp).join('|')})(?:/|$)`, 'i');
  return (req, res, next) => {
    if (underDocs.test(req.path)) router(req, res, next);
    else next();
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function resourcesByPath(site: DocsSite): Map<string, DocsResource> {
  const resources = new Map<string, DocsResource>();
  const add = (path: string, contentType: string, body: string | Buffer) =>
    resources.set(path, { contentType, body, etag: entityTag(body) });
  add(SERVED_LINKS.index, 'text/html; charset=utf-8', site.indexHtml);
  for (const api of site.apis) {
    add(SERVED_LINKS.page(api.name), 'text/html; charset=utf-8', api.html);
    // application/yaml is the registered type (RFC 9512).
    add(SERVED_LINKS.spec(api.name), 'application/yaml; charset=utf-8', api.yaml);
  }
  for (const asset of site.assets) add(SERVED_LINKS.asset(asset.fileName), asset.contentType, asset.content);
  return resources;
}

/** Browsers revalidate every time (no-cache) and get a 304 while the content is unchanged. */
function sendResource(res: Response, resource: DocsResource): void {
  setDocsSecurityHeaders(res);
  // res.send answers 304 itself when the request's If-None-Match matches this ETag.
  res.set({ 'Content-Type': resource.contentType, 'Cache-Control': 'no-cache', ETag: resource.etag }).send(resource.body);
}

function entityTag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

function refuseMethod(req: Request): never {
  throw new ProblemError('METHOD_NOT_ALLOWED', `${req.method} is not allowed on this path`, {}, { Allow: ALLOWED_METHODS });
}

/**
 * The first successful result, computed on first use: the specs are bundled once per router,
 * and not at all by a service nobody asks for docs. A failure is not kept, so the next request
 * tries again (after the spec has been fixed, say).
 */
function cacheSuccess<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
