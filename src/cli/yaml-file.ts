/**
 * A configuration file in YAML (or JSON) whose errors name the file and the line: what the
 * feeds file and the trusted-workers file are read with.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Node, type ParsedNode } from 'yaml';

export interface YamlFile {
  readonly root: ParsedNode | null;
  /** The line a node starts on, for messages ("file:line: …"). */
  readonly lineOf: (node: Node | null | undefined) => number;
}

/** Throws `fail(message)` when the file cannot be read or is not YAML, with file and line in the message. */
export function readYamlFile(path: string, fail: (message: string) => Error): YamlFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fail(`${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax !== undefined) throw fail(`${path}:${lines.linePos(syntax.pos[0]).line}: ${syntax.message.split('\n')[0] ?? ''}`);
  return { root: document.contents, lineOf: (node) => (node?.range ? lines.linePos(node.range[0]).line : 1) };
}
