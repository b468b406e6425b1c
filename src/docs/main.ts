import { resolve } from 'node:path';
import { runMain, stringOption } from '../cli/options.ts';
import { COORDINATOR_DOCS } from './apis.ts';
import { buildStaticDocs } from './build-static.ts';

await runMain(
  {
    usage: 'npm run docs [-- --out <dir>]',
    summary: 'Builds the API docs (Redoc pages and bundled specs) as static files that render offline.',
    options: { out: stringOption('Folder to write the docs into', 'DOCS_OUT', 'dist/docs') },
  },
  async ({ values }) => {
    const outDir = resolve(values.out);
    const written = await buildStaticDocs(outDir, COORDINATOR_DOCS);
    process.stdout.write(
      `Wrote ${written.length} files to ${outDir}:\n${written.map((file) => `  ${file}\n`).join('')}Open ${resolve(outDir, 'index.html')} in a browser.\n`,
    );
  },
);
