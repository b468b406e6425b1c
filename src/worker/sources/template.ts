/**
 * A source's templates filled in for one pair: `{base}`, `{quote}` (the provider's spelling from
 * `symbols`, or the symbol itself), `{base_lower}`, `{quote_lower}`, `{base_id}` (from `ids`),
 * and in headers and query parameters `${NAME}`, a secret from the environment. Values from the
 * pair are encoded where they land in the URL's path; a symbol or id can only hold letters,
 * digits, `.`, `_` and `-` (the schema's pattern), so nothing a query carries can change the shape
 * of a URL or a JSON path.
 */
export const PLACEHOLDERS = ['base', 'quote', 'base_lower', 'quote_lower', 'base_id'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** `{name}` or `${NAME}`; anything else is text. */
const TOKEN = /\$\{([^}]*)\}|\{([^}]*)\}/g;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface TemplateTokens {
  readonly placeholders: readonly string[];
  readonly secrets: readonly string[];
}

export function tokensIn(template: string): TemplateTokens {
  const placeholders: string[] = [];
  const secrets: string[] = [];
  for (const match of template.matchAll(TOKEN)) {
    if (match[1] !== undefined) secrets.push(match[1]);
    else placeholders.push(match[2] ?? '');
  }
  return { placeholders, secrets };
}

export function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export type Terms = Readonly<Record<Placeholder, string | undefined>>;

export function termsFor(pair: string, symbols: Readonly<Record<string, string>>, ids: Readonly<Record<string, string>>): Terms {
  const [symbolOfBase = '', symbolOfQuote = ''] = pair.split('/');
  const base = symbols[symbolOfBase] ?? symbolOfBase;
  const quote = symbols[symbolOfQuote] ?? symbolOfQuote;
  return { base, quote, base_lower: base.toLowerCase(), quote_lower: quote.toLowerCase(), base_id: ids[symbolOfBase] };
}

/**
 * Replaces every token; `encode` is applied to the values of placeholders (not to secrets, which
 * only headers and query parameters hold). The names were checked when the file was loaded.
 */
export function fillTemplate(
  template: string,
  terms: Terms,
  secrets: ReadonlyMap<string, string> = new Map(),
  encode: (value: string) => string = (value) => value,
): string {
  return template.replace(TOKEN, (_token, secret: string | undefined, placeholder: string | undefined) => {
    if (secret !== undefined) return secrets.get(secret) ?? '';
    const name = placeholder ?? '';
    return isPlaceholder(name) ? encode(terms[name] ?? '') : '';
  });
}
