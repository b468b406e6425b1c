/**
 * Keeps every problem within components.yaml's own `Problem` schema, whose limits are read from
 * that file (the one place they are written down). A problem often copies what the request
 * carried (the path as `instance`, an unknown property as `errors[].path`), so without this a
 * long path or key would produce an answer that strict clients reject. Lengths are counted in
 * code points, as JSON Schema's `maxLength` counts them; a cut never splits a surrogate pair and
 * ends in "…".
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Problem } from '../contract/models.ts';
import { COMPONENTS_SPEC_PATH } from '../contract/spec-paths.ts';

type FieldError = NonNullable<Problem['errors']>[number];

interface ProblemLimits {
  title: number;
  detail: number;
  instance: number;
  /** maxItems of `errors`. */
  errors: number;
  errorPath: number;
  errorMessage: number;
  errorCode: number;
}

const ELLIPSIS = '…';

let limits: ProblemLimits | undefined;

/** Read on first use, so that importing the problem model (the client library does) reads no file. */
function problemLimits(): ProblemLimits {
  limits ??= readProblemLimits();
  return limits;
}

function readProblemLimits(): ProblemLimits {
  const { schemas } = parseYaml(readFileSync(COMPONENTS_SPEC_PATH, 'utf8')) as { schemas: Record<string, unknown> };
  const limit = (schema: string, property: string, keyword: 'maxLength' | 'maxItems'): number => {
    const value = (schemas[schema] as { properties?: Record<string, Record<string, unknown>> } | undefined)?.properties?.[property]?.[
      keyword
    ];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`components.yaml: ${schema}.${property} has no ${keyword}`);
    }
    return value;
  };
  return {
    title: limit('Problem', 'title', 'maxLength'),
    detail: limit('Problem', 'detail', 'maxLength'),
    instance: limit('Problem', 'instance', 'maxLength'),
    errors: limit('Problem', 'errors', 'maxItems'),
    errorPath: limit('ProblemFieldError', 'path', 'maxLength'),
    errorMessage: limit('ProblemFieldError', 'message', 'maxLength'),
    errorCode: limit('ProblemFieldError', 'error_code', 'maxLength'),
  };
}

/** `text` if it has at most `maxLength` code points, else its first `maxLength - 1` and "…". */
export function truncateCodePoints(text: string, maxLength: number): string {
  // A string has at least as many UTF-16 units as code points.
  if (text.length <= maxLength) return text;
  let count = 0;
  let cut = 0;
  for (const codePoint of text) {
    count++;
    if (count > maxLength) return `${text.slice(0, cut)}${ELLIPSIS}`;
    if (count < maxLength) cut += codePoint.length;
  }
  return text;
}

/** The problem with every member cut to the schema's limits (a copy; the argument is left alone). */
export function boundProblem(problem: Problem): Problem {
  const max = problemLimits();
  const bounded: Problem = { ...problem, title: truncateCodePoints(problem.title, max.title) };
  if (problem.detail !== undefined) bounded.detail = truncateCodePoints(problem.detail, max.detail);
  if (problem.instance !== undefined) bounded.instance = truncateCodePoints(problem.instance, max.instance);
  if (problem.errors !== undefined) bounded.errors = boundErrors(problem.errors, max);
  return bounded;
}

function boundErrors(errors: readonly FieldError[], max: ProblemLimits): FieldError[] {
  const bounded = errors.map((error): FieldError => ({
    ...error,
    ...(error.path === undefined ? {} : { path: truncateCodePoints(error.path, max.errorPath) }),
    message: truncateCodePoints(error.message, max.errorMessage),
    ...(error.error_code === undefined ? {} : { error_code: truncateCodePoints(error.error_code, max.errorCode) }),
  }));
  if (bounded.length <= max.errors) return bounded;
  const left = bounded.length - (max.errors - 1);
  return [...bounded.slice(0, max.errors - 1), { message: `${ELLIPSIS} and ${left} more errors` }];
}
