/**
 * Text for HTML and XML (SVG) documents, in element content and in quoted attribute values
 * alike: `&`, `<`, `>`, `"` and `'` become numeric character references (`&#38;`, `&#60;`, …),
 * which mean the same in both languages.
 */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
