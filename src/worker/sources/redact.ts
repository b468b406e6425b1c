/**
 * Secrets from the environment (API keys in headers or query parameters) must not reach a log
 * line, a task's `err` or a thrown error. Nothing writes them on purpose; this is the net under
 * that: every text that leaves the sources goes through it, so that an upstream error message
 * quoting our URL cannot leak a key either. A secret is replaced as written and as it is encoded
 * in a URL's path or query.
 */
export type Redact = (text: string) => string;

const REDACTED = '[redacted]';

export function createRedactor(secrets: Iterable<string>): Redact {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  }
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  return (text) => ordered.reduce((redacted, form) => redacted.split(form).join(REDACTED), text);
}
