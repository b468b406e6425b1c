/** Everything the docs consist of for a set of APIs: bundled specs, rendered pages and assets. */
import type { ApiDoc } from './apis.ts';
import { DOCS_ASSETS } from './assets.ts';
import { renderApiPage, renderIndexPage, type DocsLinks, type DocumentedApi } from './pages.ts';

export interface DocsSiteApi {
  readonly name: string;
  /** The Redoc page. */
  readonly html: string;
  /** The bundled, self-contained spec. */
  readonly yaml: string;
}

export interface DocsSiteAsset {
  readonly fileName: string;
  readonly contentType: string;
  readonly content: Buffer;
}

export interface DocsSite {
  readonly indexHtml: string;
  readonly apis: readonly DocsSiteApi[];
  readonly assets: readonly DocsSiteAsset[];
}

export async function buildDocsSite(apis: readonly ApiDoc[], links: DocsLinks): Promise<DocsSite> {
  // The bundler (Redocly's openapi-core) is loaded with the first docs request, not with the service: megabytes most never use.
  const { bundleSpec } = await import('./bundle-spec.ts');
  const [documented, assets] = await Promise.all([
    Promise.all(apis.map(async (api): Promise<DocumentedApi> => ({ name: api.name, spec: await bundleSpec(api.specPath) }))),
    Promise.all(
      DOCS_ASSETS.map(async (asset) => ({ fileName: asset.fileName, contentType: asset.contentType, content: await asset.read() })),
    ),
  ]);
  return {
    indexHtml: renderIndexPage(documented, links),
    apis: documented.map((api) => ({ name: api.name, html: renderApiPage(api, links), yaml: api.spec.yaml })),
    assets,
  };
}
