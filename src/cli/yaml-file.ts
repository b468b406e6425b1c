/**
 * A configuration file in YAML (or JSON) whose errors name the file and the line: what the
 * feeds file, the trusted-workers file and the sources file are read with.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document, type Node, type ParsedNode } from 'yaml';

export interface YamlFile {
  readonly document: Document.Parsed;
  readonly root: ParsedNode | null;
  /** The line a node starts on, for messages ("file:line: …"). */
  readonly lineOf: (node: Node | null | undefined) => number;
  /** The line of the deepest node the document has on `at` (a missing field: its parent's). */
  readonly lineAt: (at: readonly (string | number)[]) => number;
}

/** Throws `fail(message)` when the file cannot be read or is not YAML, with file and line in the message. */
export function readYamlFile(path: string, fail: (message: string) => Error): YamlFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseYamlText(text, path, fail);
}

/** The same for text already read; `path` only names it in messages. */
export function parseYamlText(text: string, path: string, fail: (message: string) => Error): YamlFile {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax !== undefined) throw fail(`${path}:${lines.linePos(syntax.pos[0]).line}: ${syntax.message.split('\n')[0] ?? ''}`);
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  return {
    document,
    root: document.contents,
    lineOf,
    lineAt(at) {
      for (let length = at.length; length > 0; length--) {
        const node: unknown = document.getIn(at.slice(0, length), true);
        const range = (node as { range?: [number, number, number] } | undefined)?.range;
        if (range !== undefined) return lines.linePos(range[0]).line;
      }
      return lineOf(document.contents);
    },
  };
}
