/**
 * The price in a provider's JSON answer, found with jsonpath-plus (never a hand-written walker),
 * evaluation of script and filter expressions off. A price is a JSON number or a decimal string
 * ("42000.12", as most exchanges send it), finite and above zero; anything else is an error that
 * says what was found where.
 */
import { JSONPath } from 'jsonpath-plus';
import { SourceError } from './source-error.ts';

/** What JSON.parse can give. */
export type Json = null | boolean | number | string | object;

const DECIMAL = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function valuesAt(json: Json, path: string): unknown[] {
  const found: unknown = JSONPath({ path, json, wrap: true, eval: false });
  return Array.isArray(found) ? found : [];
}

/** The one price at `path`, times `times`. */
export function priceAt(json: Json, path: string, times = 1): number {
  const found = valuesAt(json, path);
  if (found.length === 0) throw new SourceError(`no price at ${path}`);
  if (found.length > 1) throw new SourceError(`${found.length} values at ${path}, not one price`);
  const [raw] = found;
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL.test(raw) ? Number(raw) : undefined;
  if (value === undefined) throw new SourceError(`not a number at ${path}: ${preview(raw)}`);
  const price = value * times;
  if (!Number.isFinite(price)) throw new SourceError(`not a finite price at ${path}: ${preview(raw)}`);
  if (price <= 0) throw new SourceError(`not a positive price at ${path}: ${preview(raw)}`);
  return price;
}

/** The provider's own error message at `path`, when there is one (a non-empty string or number). */
export function messageAt(json: Json, path: string): string | undefined {
  const [first] = valuesAt(json, path);
  if (typeof first === 'string' && first.trim() !== '') return clip(first.trim());
  if (typeof first === 'number') return String(first);
  return undefined;
}

/** Provider text quoted in an error: one line, at most 120 characters. */
export function clip(text: string, limit = 120): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length <= limit ? line : `${line.slice(0, limit - 1)}…`;
}

function preview(value: unknown): string {
  return clip(JSON.stringify(value), 40);
}
