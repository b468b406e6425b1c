/**
 * What every error answer must look like under fuzzing: an RFC 9457 problem+json body with
 * `type`, `title` and a `status` equal to the HTTP status, and nothing of the server's insides
 * (stack frames, file paths, module names) unless the request itself carried that text.
 */
import { expect } from 'vitest';
import type { Problem } from '../../src/contract/models.ts';
import type { RawReply } from './raw-http.ts';

/** The spec's Problem, open to the extension members RFC 9457 allows. */
export type ProblemBody = Problem & Record<string, unknown>;

/** Marks of internals leaking out: stack frames, source locations, the checkout, node_modules. */
const LEAK_MARKS: readonly RegExp[] = [
  /\bat\s+[^\s()]+\s+\([^)]*:\d+:\d+\)/, // "at fn (/path/file.ts:1:2)"
  /\bat\s+(?:file:\/\/)?\/[^\s]*:\d+:\d+/, // "at /path/file.js:1:2"
  /\.(?:ts|js|mjs|cjs):\d+:\d+/, // "file.ts:12:3"
  /node_modules/,
  /file:\/\//,
  /"stack"\s*:/,
  new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
];

/** The leak marks in `text` that `requestText` did not already contain (echoes are fine). */
export function leaksIn(text: string, requestText: string): string[] {
  return LEAK_MARKS.filter((mark) => mark.test(text) && !mark.test(requestText)).map(String);
}

/** Asserts a problem+json answer and returns it. `context` labels assertion messages. */
export function expectProblem(reply: RawReply, requestText: string, context: string): ProblemBody {
  expect(reply.contentType, `${context}: content type of a ${reply.status}`).toMatch(/^application\/problem\+json\b/);
  let problem: unknown;
  try {
    problem = JSON.parse(reply.text);
  } catch {
    throw new Error(`${context}: a ${reply.status} whose body is not JSON: ${reply.text.slice(0, 300)}`);
  }
  expect(problem, `${context}: problem body`).toMatchObject({ status: reply.status });
  const body = problem as ProblemBody;
  expect(typeof body.type, `${context}: problem type`).toBe('string');
  expect(typeof body.title, `${context}: problem title`).toBe('string');
  expect(body.type.length, `${context}: empty problem type`).toBeGreaterThan(0);
  expect(Number.isInteger(body.status), `${context}: problem status`).toBe(true);
  expect(leaksIn(reply.text, requestText), `${context}: internals in ${reply.text.slice(0, 500)}`).toEqual([]);
  return body;
}
