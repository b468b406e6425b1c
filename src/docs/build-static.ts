/**
 * Writes the docs as static files that render offline, also when opened from disk (file://):
 *   index.html, <api>.html        the pages, with relative links
 *   openapi/<api>.yaml            the bundled specs
 *   assets/                       Redoc (from the installed package), the init script, the CSS
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ApiDoc } from './apis.ts';
import { STATIC_LINKS } from './pages.ts';
import { buildDocsSite } from './site.ts';

/** Returns the paths written, relative to `outDir`. */
export async function buildStaticDocs(outDir: string, apis: readonly ApiDoc[]): Promise<string[]> {
  const site = await buildDocsSite(apis, STATIC_LINKS);
  const files = new Map<string, string | Buffer>([[STATIC_LINKS.index, site.indexHtml]]);
  for (const api of site.apis) {
    files.set(STATIC_LINKS.page(api.name), api.html);
    files.set(STATIC_LINKS.spec(api.name), api.yaml);
  }
  for (const asset of site.assets) files.set(STATIC_LINKS.asset(asset.fileName), asset.content);
  for (const [relativePath, content] of files) {
    const target = join(outDir, ...relativePath.split('/'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  return [...files.keys()];
}
