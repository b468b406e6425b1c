/**
 * Page cursors: opaque to clients, they name the sequence number a page ended at, so a page
 * starts where the last one stopped even when entries come and go in between.
 */
import { ProblemError } from '../http/problems.ts';

/** What the specs' `Cursor` allows: base-36 digits. */
const CURSOR = /^[0-9a-z]{1,12}$/;

export function encodeCursor(seq: number): string {
  return seq.toString(36);
}

/** 0 (the first page) without a cursor; a 400 problem for one this service did not hand out. */
export function decodeCursor(cursor: string | undefined, parameter = 'cursor'): number {
  if (cursor === undefined) return 0;
  const seq = CURSOR.test(cursor) ? parseInt(cursor, 36) : Number.NaN;
  if (!Number.isSafeInteger(seq) || seq <= 0) {
    throw new ProblemError('VALIDATION_FAILED', `/query/${parameter} is not a cursor this service handed out`, {
      errors: [{ path: `/query/${parameter}`, message: 'is not a cursor this service handed out' }],
    });
  }
  return seq;
}
