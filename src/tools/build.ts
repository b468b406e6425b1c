/**
 * `npm run build`: the services as plain JavaScript in dist/, to run with `node` and no loader.
 * TypeScript compiles src/ and generated/ with the project's own tsconfig.json (emitting, and
 * rewriting the `.ts` of relative imports to `.js`); the files the code reads at run time next
 * to itself are copied beside the output, in the same relative places (dist/openapi/, the docs'
 * static assets, the local cluster's feeds), so that every path resolves as it does from src/.
 * The development tools (src/tools/) are left out.
 */
import { cpSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = `${root}dist`;

const ASSETS = ['openapi', 'src/docs/static', 'src/cluster/local-feeds.yaml'];

function compile(): boolean {
  const configPath = `${root}tsconfig.json`;
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const config: unknown = read.config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, {
    noEmit: false,
    outDir: out,
    rootDir: root,
    rewriteRelativeImportExtensions: true,
    sourceMap: true,
  });
  const files = parsed.fileNames.filter((file) => /\/(src|generated)\//.test(file) && !file.includes('/src/tools/'));
  const program = ts.createProgram(files, parsed.options);
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0) {
    const host = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, host));
  }
  return diagnostics.length === 0 && !emitted.emitSkipped;
}

rmSync(out, { recursive: true, force: true });
if (!compile()) {
  process.exitCode = 1;
} else {
  for (const asset of ASSETS) cpSync(`${root}${asset}`, `${out}/${asset}`, { recursive: true });
  process.stdout.write(`built ${out}: node dist/src/coordinator/main.js, node dist/src/worker/main.js, node dist/src/cluster/main.js\n`);
}
