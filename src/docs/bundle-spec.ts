/**
 * Turns a spec that `$ref`s the shared components file into one self-contained document, so a
 * user (or a tool such as Redoc) can take a single file without chasing relative references.
 */
import { bundle, createConfig } from '@redocly/openapi-core';
import { Document as YamlDocument } from 'yaml';

/** The parts of an OpenAPI document the docs read. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; summary?: string };
}

export interface BundledSpec {
  document: OpenApiDocument;
  /** The bundled document as YAML, as served at /openapi/<name>.yaml. */
  yaml: string;
}

export async function bundleSpec(specPath: string): Promise<BundledSpec> {
  // An empty config: bundling only resolves references; linting is `npm run lint`'s job.
  const config = await createConfig({});
  const { bundle: bundled, problems } = await bundle({ ref: specPath, config, dereference: false });
  const errors = problems.filter((problem) => problem.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`cannot bundle ${specPath}: ${errors.map((problem) => problem.message).join('; ')}`);
  }
  const document = bundled.parsed as unknown;
  assertOpenApiDocument(document, specPath);
  return { document, yaml: toYaml(document, specPath) };
}

function toYaml(document: OpenApiDocument, specPath: string): string {
  // YAML 1.2 output that YAML 1.1 parsers (PyYAML, js-yaml, many generators) read alike: every
  // string that 1.1 would retype is quoted, such as a timestamp (a Date there, which breaks its
  // own `type: string`), yes/no/on/off, 0777 or 1:30.
  const yaml = new YamlDocument(document, { compat: 'yaml-1.1' });
  const source = specPath.split(/[\\/]/).slice(-2).join('/');
  yaml.commentBefore = ` Bundled from ${source} and the files it references; generated, do not edit.`;
  // lineWidth 0 keeps long descriptions on one line instead of re-folding them.
  return yaml.toString({ lineWidth: 0 });
}

function assertOpenApiDocument(value: unknown, specPath: string): asserts value is OpenApiDocument {
  const info = (value as { info?: { title?: unknown; version?: unknown } } | null)?.info;
  if (
    typeof (value as { openapi?: unknown } | null)?.openapi !== 'string' ||
    typeof info?.title !== 'string' ||
    typeof info.version !== 'string'
  ) {
    throw new Error(`${specPath} is not an OpenAPI document with info.title and info.version`);
  }
}
