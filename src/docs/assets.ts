/**
 * The files every docs page loads, served from /docs/assets/ and copied next to the static
 * pages. Redoc comes from the installed `redoc` package, never from a CDN, so the docs render on
 * a machine with no internet access.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface DocsAsset {
  /** File name under /docs/assets/ (and under the static build's assets/). */
  readonly fileName: string;
  readonly contentType: string;
  read(): Promise<Buffer>;
}

const require = createRequire(import.meta.url);

/**
 * Redoc's sidebar attribution loads Redocly's logo from their CDN on every page view, and Redoc
 * has no option to turn that off (Redocly/redoc#2141). An offline page must not reach out, so
 * the served copy points the image at an empty data: URL instead; the image then fails to load
 * and Redoc's own error handler hides it, leaving the "API docs by Redocly" text in place.
 */
export const REDOCLY_CDN_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';
const NO_IMAGE = 'data:,';

export function withoutRedoclyCdnLogo(source: string): string {
  return source.replaceAll(REDOCLY_CDN_LOGO, NO_IMAGE);
}

function packageFile(fileName: string, contentType: string, specifier: string): DocsAsset {
  const path = require.resolve(specifier);
  return { fileName, contentType, read: () => readFile(path) };
}

function ownFile(fileName: string, contentType: string): DocsAsset {
  const path = fileURLToPath(new URL(`./static/${fileName}`, import.meta.url));
  return { fileName, contentType, read: () => readFile(path) };
}

const REDOC_BUNDLE_PATH = require.resolve('redoc/bundles/redoc.standalone.js');

export const REDOC_SCRIPT: DocsAsset = {
  fileName: 'redoc.standalone.js',
  contentType: 'text/javascript; charset=utf-8',
  read: async () => Buffer.from(withoutRedoclyCdnLogo(await readFile(REDOC_BUNDLE_PATH, 'utf8')), 'utf8'),
};
/** The bundle's own header comment points readers to this file for its third-party licences. */
export const REDOC_LICENSES = packageFile(
  'redoc.standalone.js.LICENSE.txt',
  'text/plain; charset=utf-8',
  'redoc/bundles/redoc.standalone.js.LICENSE.txt',
);
export const INIT_SCRIPT = ownFile('redoc-init.js', 'text/javascript; charset=utf-8');
export const STYLESHEET = ownFile('docs.css', 'text/css; charset=utf-8');

export const DOCS_ASSETS: readonly DocsAsset[] = [REDOC_SCRIPT, REDOC_LICENSES, INIT_SCRIPT, STYLESHEET];
