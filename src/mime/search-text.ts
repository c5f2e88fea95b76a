// Text for SEARCH (RFC 3501 §6.4.4): a message's decoded headers and body text. The rules
// that match SEARCH keys against it are src/search/text-match.ts.

import { parseAddressList, writeAddressList } from './address.js';
import { parseDateHeader } from './date.js';
import { decodeBase64, decodeQuotedPrintable } from './decode.js';
import { parseHeaderFields, type HeaderField } from './header.js';
import { decodeCharset } from './params.js';
import { decodeWords } from './words.js';
import type { MessageIndex, PartIndex } from './types.js';

/** Most decoded body text kept per message for BODY/TEXT; a search past it would not be worth its memory. */
export const MAX_SEARCH_BODY_CHARS = 4 * 1024 * 1024;

export interface SearchText {
  /**
   * Decoded (RFC 2047 → Unicode) values of every From/To/Cc/Bcc/Subject field, joined by newlines.
   * An address field is followed by its address list written back without CFWS (see
   * `writeAddressList`) when that differs, so `user (c)@ (c) example.org` is found by
   * `user@example.org` (RFC 5322 §3.2.2: comments and FWS are no part of the address).
   */
  from: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  /** Every top-level header field as `[UPPER-CASED NAME, decoded value]`, in message order. */
  headers: [string, string][];
  /** The Date header's own date and time as ms (see `parseDateHeader`), null when absent or unreadable. */
  sent: number | null;
  /** Transfer- and charset-decoded text of the text/* parts (HTML as is), parts joined by newlines. */
  body: string;
  /**
   * Whether the body, case-folded as the matcher folds it (src/search/text-match.ts), contains
   * `foldedNeedle`, when the folded body was stored: the matcher then never decodes the message's
   * parts. Undefined when there is no stored folded body.
   */
  foldedBodyIncludes(foldedNeedle: string): boolean | undefined;
}

/**
 * The search text of a message, each part computed on first use: a key that reads only the
 * headers (FROM, SUBJECT) never decodes the body, and BODY never parses address lists. The
 * index builder reads every part; a SEARCH verifying candidates reads what its key needs.
 * Never throws.
 */
export function searchText(index: MessageIndex, raw: Uint8Array, foldedBody?: string): SearchText {
  return new LazySearchText(
    () => ({ index, raw }),
    null,
    (needle) => foldedBody?.includes(needle),
  );
}

/**
 * The same, reading the message only when a part of the text needs it: a BODY search of a
 * message whose folded body is stored never reads its bytes or its MIME index, and `header`
 * (the message's header block alone, when stored apart) serves header keys without the body.
 */
export function lazySearchText(
  message: () => { index: MessageIndex; raw: Uint8Array },
  header: (() => Uint8Array | undefined) | null,
  foldedBodyIncludes: (foldedNeedle: string) => boolean | undefined,
): SearchText {
  return new LazySearchText(message, header, foldedBodyIncludes);
}

class LazySearchText implements SearchText {
  readonly #load: () => { index: MessageIndex; raw: Uint8Array };
  readonly #header: (() => Uint8Array | undefined) | null;
  #message: { index: MessageIndex; raw: Uint8Array } | undefined;
  #fields: HeaderField[] | undefined;
  #headers: [string, string][] | undefined;
  #body: string | undefined;
  readonly #addresses = new Map<string, string>();
  readonly #includes: (foldedNeedle: string) => boolean | undefined;

  constructor(
    load: () => { index: MessageIndex; raw: Uint8Array },
    header: (() => Uint8Array | undefined) | null,
    foldedBodyIncludes: (foldedNeedle: string) => boolean | undefined,
  ) {
    this.#load = load;
    this.#header = header;
    this.#includes = foldedBodyIncludes;
  }

  /** Asked only by BODY and TEXT: a header key never reads a large body, folded or not. */
  foldedBodyIncludes(foldedNeedle: string): boolean | undefined {
    return this.#includes(foldedNeedle);
  }

  get #m(): { index: MessageIndex; raw: Uint8Array } {
    return (this.#message ??= this.#load());
  }

  #parsed(): HeaderField[] {
    if (this.#fields !== undefined) return this.#fields;
    // The top-level header block ends where the body starts: stored apart, it is the whole range.
    const block = this.#message === undefined ? this.#header?.() : undefined;
    if (block !== undefined) return (this.#fields = parseHeaderFields(block, 0, block.length));
    const { raw, index } = this.#m;
    return (this.#fields = parseHeaderFields(raw, index.root.headerStart, index.root.bodyStart));
  }

  get headers(): [string, string][] {
    return (this.#headers ??= this.#parsed().map((f) => [f.name.toUpperCase(), decodeWords(f.value)]));
  }

  #join(name: string): string {
    return this.headers
      .filter((h) => h[0] === name)
      .map((h) => h[1])
      .join('\n');
  }

  /** The decoded values, then each field's list written back, parsed from the undecoded value as ENVELOPE is. */
  #address(name: string): string {
    let text = this.#addresses.get(name);
    if (text !== undefined) return text;
    const fields = this.#parsed();
    const headers = this.headers;
    const written = fields.flatMap((f, i) => {
      const [n, decoded] = headers[i]!;
      const w = n === name ? decodeWords(writeAddressList(parseAddressList(f.value) ?? [])) : '';
      return w === '' || w === decoded ? [] : [w];
    });
    text = [this.#join(name), ...written].join('\n');
    this.#addresses.set(name, text);
    return text;
  }

  get from(): string {
    return this.#address('FROM');
  }
  get to(): string {
    return this.#address('TO');
  }
  get cc(): string {
    return this.#address('CC');
  }
  get bcc(): string {
    return this.#address('BCC');
  }
  get subject(): string {
    return this.#join('SUBJECT');
  }
  get sent(): number | null {
    const date = this.headers.find((h) => h[0] === 'DATE');
    return date === undefined ? null : parseDateHeader(date[1]);
  }
  get body(): string {
    if (this.#body !== undefined) return this.#body;
    const { raw, index } = this.#m;
    return (this.#body = bodyText(index, raw));
  }
}

/** Transfer- and charset-decoded text of the text/* parts and of attached messages' headers, joined by newlines. */
function bodyText(index: MessageIndex, raw: Uint8Array): string {
  const texts: string[] = [];
  let length = 0;
  const walk = (p: PartIndex): void => {
    if (length >= MAX_SEARCH_BODY_CHARS) return;
    if (p.parts !== null) {
      for (const c of p.parts) walk(c);
      return;
    }
    if (p.message !== null) {
      // An attached message's header is body text of the outer message.
      const inner = p.message.root;
      texts.push(decodeWords(Buffer.from(raw.subarray(inner.headerStart, inner.bodyStart)).toString('utf8')));
      walk(inner);
      return;
    }
    if (p.type.toLowerCase() !== 'text') return;
    const t = partText(raw, p);
    length += t.length;
    texts.push(t);
  };
  walk(index.root);
  return texts.join('\n').slice(0, MAX_SEARCH_BODY_CHARS);
}

/** A text part's content as Unicode: transfer encoding removed, then its charset decoded. */
export function partText(raw: Uint8Array, p: PartIndex): string {
  let body: Uint8Array = raw.subarray(p.bodyStart, p.bodyEnd);
  const enc = p.encoding.toLowerCase();
  if (enc === 'base64') body = decodeBase64(body);
  else if (enc === 'quoted-printable') body = decodeQuotedPrintable(body);
  const charset = p.params.find((x) => x[0].toLowerCase() === 'charset')?.[1] ?? 'us-ascii';
  try {
    return decodeCharset(body, charset.toLowerCase() === 'us-ascii' ? 'utf-8' : charset);
  } catch {
    return Buffer.from(body).toString('latin1');
  }
}
