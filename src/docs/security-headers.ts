/**
 * Response headers of every docs response. The policy allows scripts from this origin only and
 * no connections at all (the pages embed their spec). Redoc additionally needs inline styles
 * (styled-components injects <style> elements), data: images (its icons) and a blob: worker
 * (its search index). The browser test fails on any violation of this policy.
 */
import type { Response } from 'express';

export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  'worker-src blob:',
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const DOCS_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': DOCS_CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  // frame-ancestors supersedes this in current browsers; older ones only know X-Frame-Options.
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export function setDocsSecurityHeaders(res: Response): void {
  res.set(DOCS_SECURITY_HEADERS);
}
