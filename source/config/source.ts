import {
  getNodePath,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import type { Diagnostic } from './types.js';

/** A config file as read: its text, its syntax tree (absent when unreadable) and line offsets. */
export interface SourceFile {
  file: string;
  text: string;
  root: Node | undefined;
  lineStarts: number[];
}

/** Where a canonical value came from: the raw property key (if any) and value nodes in a source file. */
export interface Location {
  source: SourceFile;
  keyNode?: Node;
  valueNode: Node;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

/** 1-based line and column of a character offset. */
export function positionOf(source: SourceFile, offset: number): { line: number; column: number } {
  const starts = source.lineStarts;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - starts[low]! + 1 };
}

const syntaxHints: Partial<Record<string, string>> = {
  CommaExpected: 'separate entries with a comma',
  PropertyNameExpected:
    'property names are double-quoted strings; remove a trailing comma if there is one',
  ValueExpected: 'a value is missing here (a trailing comma before } or ] is not allowed in JSON)',
  ColonExpected: 'put a colon between a property name and its value',
  CloseBraceExpected: 'an object is not closed: add }',
  CloseBracketExpected: 'an array is not closed: add ]',
  InvalidCommentToken:
    'JSON does not allow comments; remove it (a "description" field can hold notes)',
  InvalidSymbol: 'strings must use double quotes; true/false/null are lower-case',
  EndOfFileExpected: 'there is text after the end of the JSON document',
  UnexpectedEndOfString: 'a string is not closed: add the closing double quote',
};

/** Parses JSON strictly (no comments, no trailing commas), reporting every syntax error at its character. */
export function parseSource(
  file: string,
  text: string,
): { source: SourceFile; diagnostics: Diagnostic[] } {
  const errors: ParseError[] = [];
  const content = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (content.trim() === '') {
    const source: SourceFile = {
      file,
      text: content,
      root: undefined,
      lineStarts: lineStartsOf(content),
    };
    const diagnostic: Diagnostic = {
      severity: 'error',
      file,
      line: 1,
      column: 1,
      path: '$',
      message: 'the file is empty',
      hint: 'write {} (or delete the file: a missing VM or LXC file means no guests of that kind)',
    };
    return { source, diagnostics: [diagnostic] };
  }
  const root = parseTree(content, errors, { disallowComments: true, allowTrailingComma: false });
  const source: SourceFile = { file, text: content, root, lineStarts: lineStartsOf(content) };
  // One message per position: a trailing comma yields both "property name expected" and "value expected".
  const unique = errors.filter(
    (error, index) => errors.findIndex((e) => e.offset === error.offset) === index,
  );
  const diagnostics = unique.map((error): Diagnostic => {
    const code = printParseErrorCode(error.error);
    const { line, column } = positionOf(source, error.offset);
    const found = content.slice(
      error.offset,
      error.offset + Math.max(1, Math.min(error.length, 20)),
    );
    return {
      severity: 'error',
      file,
      line,
      column,
      path: '$',
      message: `JSON syntax error: ${humanCode(code)}${found.trim() ? ` at ${JSON.stringify(found)}` : ' at the end of the file'}`,
      hint: syntaxHints[code] ?? 'fix the JSON syntax at this position',
    };
  });

  return { source: diagnostics.length ? { ...source, root: undefined } : source, diagnostics };
}

function humanCode(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** `$.a[0]["901"].b` from path segments. */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '$';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

export function nodePath(node: Node): (string | number)[] {
  return getNodePath(node);
}

/**
 * Remembers, for every object and array of a canonical document, which raw node each member came from,
 * so that a finding about the canonical value can point at the right character of the right file even
 * after keys were renamed or moved by normalisation.
 */
export class Locator {
  private readonly members = new WeakMap<object, Map<string, Location>>();
  private readonly selves = new WeakMap<object, Location>();
  /** Keys written twice in one object (JSON parsers keep the last one silently). */
  readonly duplicates: { source: SourceFile; keyNode: Node; key: string }[] = [];

  setSelf(value: object, location: Location): void {
    this.selves.set(value, location);
  }

  self(value: object): Location | undefined {
    return this.selves.get(value);
  }

  setMember(container: object, key: string | number, location: Location): void {
    let map = this.members.get(container);
    if (!map) this.members.set(container, (map = new Map()));
    map.set(String(key), location);
  }

  member(container: object, key: string | number): Location | undefined {
    return this.members.get(container)?.get(String(key));
  }

  deleteMember(container: object, key: string | number): void {
    this.members.get(container)?.delete(String(key));
  }

  /** Builds a plain JS value from a syntax node, recording the location of everything in it. */
  materialise(source: SourceFile, node: Node): unknown {
    switch (node.type) {
      case 'object': {
        const object: Record<string, unknown> = {};
        this.setSelf(object, { source, valueNode: node });
        for (const property of node.children ?? []) {
          const [keyNode, valueNode] = property.children ?? [];
          if (!keyNode || !valueNode) continue;
          const key = String(keyNode.value);
          if (Object.hasOwn(object, key)) this.duplicates.push({ source, keyNode, key });
          object[key] = this.materialise(source, valueNode);
          this.setMember(object, key, { source, keyNode, valueNode });
        }
        return object;
      }
      case 'array': {
        const array: unknown[] = [];
        this.setSelf(array, { source, valueNode: node });
        (node.children ?? []).forEach((child, index) => {
          array.push(this.materialise(source, child));
          this.setMember(array, index, { source, valueNode: child });
        });
        return array;
      }
      default:
        return node.value;
    }
  }

  /**
   * The best location for a canonical path: the exact member when it exists in a file, otherwise
   * its nearest located ancestor (e.g. the object a required key is missing from).
   */
  locate(
    root: object,
    segments: readonly (string | number)[],
  ): { location: Location | undefined; depth: number } {
    let current: unknown = root;
    let location = this.self(root);
    let depth = 0;
    for (const segment of segments) {
      if (current === null || typeof current !== 'object') break;
      const member = this.member(current, segment);
      if (!member) break;
      location = member;
      depth++;
      current = (current as Record<string, unknown>)[String(segment)];
    }
    return { location, depth };
  }
}

/** Renames `from` to `to` in place, keeping the key's position and its recorded location. */
export function renameKey(
  locator: Locator,
  object: Record<string, unknown>,
  from: string,
  to: string,
): void {
  const entries = Object.entries(object);
  const location = locator.member(object, from);
  for (const key of Object.keys(object)) delete object[key];
  for (const [key, value] of entries) object[key === from ? to : key] = value;
  locator.deleteMember(object, from);
  if (location) locator.setMember(object, to, location);
}
