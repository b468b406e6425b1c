import { describe, expect, it } from 'vitest';
import { ProblemError, type FieldError } from '../../src/http/problems.ts';
import { truncateCodePoints } from '../../src/http/problem-limits.ts';
import { codePointLength, problemViolations } from '../helpers/problem-schema.ts';

describe('truncateCodePoints', () => {
  it('leaves a string within the limit alone, counting code points as JSON Schema does', () => {
    expect(truncateCodePoints('abc', 3)).toBe('abc');
    // 4 code points in 8 UTF-16 units.
    expect(truncateCodePoints('😀😀😀😀', 4)).toBe('😀😀😀😀');
  });
  it('cuts a longer one to the limit, the last code point being "…"', () => {
    expect(truncateCodePoints('abcdef', 4)).toBe('abc…');
    expect(truncateCodePoints('😀😀😀😀😀', 4)).toBe('😀😀😀…');
  });
  it('never splits a surrogate pair', () => {
    const cut = truncateCodePoints(`a${'😀'.repeat(10)}`, 5);
    expect(cut).toBe('a😀😀😀…');
    expect(cut).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('a ProblemError on the wire', () => {
  it('keeps every member within the Problem schema', () => {
    const errors: FieldError[] = Array.from({ length: 1500 }, (_, i) => ({
      path: `/body/${'p'.repeat(2000)}${i}`,
      message: 'm'.repeat(5000),
      error_code: 'c'.repeat(200),
    }));
    const problem = new ProblemError('VALIDATION_FAILED', 'd'.repeat(70_000), { errors }).toProblem(`/${'i'.repeat(3000)}`);
    expect(problemViolations(problem)).toEqual([]);
    expect(codePointLength(problem.detail)).toBe(65536);
    expect(problem.detail?.endsWith('…')).toBe(true);
    expect(codePointLength(problem.instance)).toBe(2048);
    expect(problem.errors).toHaveLength(1000);
    expect(codePointLength(problem.errors?.[0]?.path)).toBe(1024);
    expect(codePointLength(problem.errors?.[0]?.message)).toBe(4096);
    expect(codePointLength(problem.errors?.[0]?.error_code)).toBe(128);
    // The last entry says that some were left out.
    expect(problem.errors?.[999]).toEqual({ message: '… and 501 more errors' });
  });
  it('leaves a problem that fits untouched', () => {
    const problem = new ProblemError('NOT_FOUND', 'No route for GET /x').toProblem('/x');
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No route for GET /x',
      instance: '/x',
      code: 'NOT_FOUND',
    });
  });
});
