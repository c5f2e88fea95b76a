// Tokenizer for maddy's configuration language (maddy-config(5), "Configuration files syntax").
// Words are separated by whitespace; `"…"` quotes a word that may hold spaces or newlines; `#`
// outside quotes comments out the rest of the line. Braces are ordinary words here: the parser
// gives a bare, unquoted `{` or `}` its meaning, which is why `{env:NAME}` stays one word.

import { ConfigError } from './errors.js';

export interface Token {
  text: string;
  /** Line where the token starts (1-based). */
  line: number;
  /** Line where it ends; differs from `line` only for a quoted word spanning lines. */
  endLine: number;
  /** Written in double quotes: never a brace, a continuation mark or a comment. */
  quoted: boolean;
}

const BOM = 0xfeff;

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r' || ch === '\v' || ch === '\f';
}

/**
 * Splits configuration text into tokens.
 *
 * Inside quotes only `\"` is an escape (it yields `"`); any other backslash is kept as written,
 * exactly as maddy reads it, so Windows-style paths and regexps survive unchanged.
 */
export function tokenize(text: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;

  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '\n') {
      line++;
      i++;
      continue;
    }
    if (isSpace(ch)) {
      i++;
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }

    const start = line;
    if (ch === '"') {
      i++;
      let value = '';
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === '\\' && text[i + 1] === '"') {
          value += '"';
          i += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\n') line++;
        value += c;
        i++;
      }
      if (!closed) throw new ConfigError('unterminated quoted string', { file, line: start });
      tokens.push({ text: value, line: start, endLine: line, quoted: true });
      continue;
    }

    // A bare word ends at whitespace; a `#` inside it starts a comment, as in maddy.
    let value = '';
    while (i < text.length) {
      const c = text[i] as string;
      if (isSpace(c) || c === '#') break;
      value += c;
      i++;
    }
    tokens.push({ text: value, line: start, endLine: start, quoted: false });
  }
  return tokens;
}
