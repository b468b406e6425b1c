/**
 * The HTML of the docs: an index linking to each API, and one Redoc page per API. Pure string
 * rendering, so the served pages and the static build are the same pages with different links.
 * The pages contain no inline script: the spec travels as a JSON data block, read by an external
 * init script.
 */
import { escapeMarkup } from '../markup/escape.ts';
import { INIT_SCRIPT, REDOC_SCRIPT, STYLESHEET } from './assets.ts';
import type { BundledSpec } from './bundle-spec.ts';

/** Where a page finds the other pages, the raw specs and the assets. */
export interface DocsLinks {
  readonly index: string;
  page(apiName: string): string;
  spec(apiName: string): string;
  asset(fileName: string): string;
}

/** URLs of the docs a service serves (see router.ts). */
export const SERVED_LINKS: DocsLinks = {
  index: '/docs',
  page: (apiName) => `/docs/${apiName}`,
  spec: (apiName) => `/openapi/${apiName}.yaml`,
  asset: (fileName) => `/docs/assets/${fileName}`,
};

/** Relative file names of the static build (see build-static.ts), so it works from any folder. */
export const STATIC_LINKS: DocsLinks = {
  index: 'index.html',
  page: (apiName) => `${apiName}.html`,
  spec: (apiName) => `openapi/${apiName}.yaml`,
  asset: (fileName) => `assets/${fileName}`,
};

export interface DocumentedApi {
  readonly name: string;
  readonly spec: BundledSpec;
}

export function renderApiPage(api: DocumentedApi, links: DocsLinks): string {
  const { info } = api.spec.document;
  const specLink = links.spec(api.name);
  return page({
    title: `${info.title} ${info.version}`,
    description: info.summary ?? info.title,
    links,
    body: `<div id="redoc-container" data-download-url="${escapeMarkup(specLink)}" data-download-name="${escapeMarkup(`${api.name}.yaml`)}">
<p class="docs-loading">Loading the ${escapeMarkup(info.title)} reference… It needs JavaScript; the raw OpenAPI description is <a href="${escapeMarkup(specLink)}">${escapeMarkup(`${api.name}.yaml`)}</a>, and the <a href="${escapeMarkup(links.index)}">docs index</a> lists every API.</p>
</div>
<script id="api-spec" type="application/json">${jsonForScriptElement(api.spec.document)}</script>
<script src="${escapeMarkup(links.asset(REDOC_SCRIPT.fileName))}"></script>
<script src="${escapeMarkup(links.asset(INIT_SCRIPT.fileName))}"></script>`,
  });
}

export function renderIndexPage(apis: readonly DocumentedApi[], links: DocsLinks): string {
  const items = apis.map(({ name, spec }) => {
    const { info } = spec.document;
    return `<li class="docs-api">
<h2><a href="${escapeMarkup(links.page(name))}">${escapeMarkup(info.title)}</a> <span class="version">${escapeMarkup(info.version)}</span></h2>
${info.summary ? `<p>${escapeMarkup(info.summary)}</p>\n` : ''}<p><a href="${escapeMarkup(links.page(name))}">Reference</a> · <a href="${escapeMarkup(links.spec(name))}">OpenAPI description (YAML)</a></p>
</li>`;
  });
  return page({
    title: 'API documentation',
    description: 'Reference documentation of the oracle network APIs',
    links,
    body: `<main class="docs-index">
<h1>API documentation</h1>
<ul>
${items.join('\n')}
</ul>
<p class="docs-note">The references are rendered with Redoc, served together with these pages: they need no internet access. Each OpenAPI description is a single self-contained file.</p>
</main>`,
  });
}

function page(parts: { title: string; description: string; links: DocsLinks; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="description" content="${escapeMarkup(parts.description)}">
<title>${escapeMarkup(parts.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeMarkup(parts.links.asset(STYLESHEET.fileName))}">
</head>
<body>
${parts.body}
</body>
</html>
`;
}

/**
 * JSON that cannot end its <script> element early: `<` (as in `</script>` or `<!--`) and the
 * line separators JavaScript once rejected are written as \u escapes, which JSON.parse undoes.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
