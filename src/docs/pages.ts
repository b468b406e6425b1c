/**
 * The HTML of the docs: an index linking to each API, and one Redoc page per API. Pure string
 * rendering, so the served pages and the static build are the same pages with different links.
 * The pages contain no inline script: the spec travels as a JSON data block, read by an external
 * init script.
 */
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
    body: `<div id="redoc-container" data-download-url="${escapeHtml(specLink)}" data-download-name="${escapeHtml(`${api.name}.yaml`)}">
<p class="docs-loading">Loading the ${escapeHtml(info.title)} reference… It needs JavaScript; the raw OpenAPI description is <a href="${escapeHtml(specLink)}">${escapeHtml(`${api.name}.yaml`)}</a>, and the <a href="${escapeHtml(links.index)}">docs index</a> lists every API.</p>
</div>
<script id="api-spec" type="application/json">${jsonForScriptElement(api.spec.document)}</script>
<script src="${escapeHtml(links.asset(REDOC_SCRIPT.fileName))}"></script>
<script src="${escapeHtml(links.asset(INIT_SCRIPT.fileName))}"></script>`,
  });
}

export function renderIndexPage(apis: readonly DocumentedApi[], links: DocsLinks): string {
  const items = apis.map(({ name, spec }) => {
    const { info } = spec.document;
    return `<li class="docs-api">
<h2><a href="${escapeHtml(links.page(name))}">${escapeHtml(info.title)}</a> <span class="version">${escapeHtml(info.version)}</span></h2>
${info.summary ? `<p>${escapeHtml(info.summary)}</p>\n` : ''}<p><a href="${escapeHtml(links.page(name))}">Reference</a> · <a href="${escapeHtml(links.spec(name))}">OpenAPI description (YAML)</a></p>
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
<meta name="description" content="${escapeHtml(parts.description)}">
<title>${escapeHtml(parts.title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeHtml(parts.links.asset(STYLESHEET.fileName))}">
</head>
<body>
${parts.body}
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * JSON that cannot end its <script> element early: `<` (as in `</script>` or `<!--`) and the
 * line separators JavaScript once rejected are written as \u escapes, which JSON.parse undoes.
 */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value).replace(/[<\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
