// FETCH item lists (RFC 3501 §6.4.5 with the §9 grammar; BINARY items from RFC 3516 §4.2).

import type { FetchItem, PartialRange, Section, SectionText, SimpleFetchItemName } from '../fetch-item.js';
import { MAX_SECTION_PARTS } from '../limits.js';
import type { Reader } from './reader.js';

// Macros (RFC 3501 §6.4.5): shorthands valid only on their own, never inside a list.
const MACROS: Record<string, SimpleFetchItemName[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE = new Set<string>([
  'ENVELOPE',
  'FLAGS',
  'INTERNALDATE',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.SIZE',
  'RFC822.TEXT',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
  'EMAILID',
  'THREADID',
  'SAVEDATE',
]);

const isNameChar = (c: string): boolean => /^[A-Za-z0-9.]$/.test(c);
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

/** ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")") */
export function readFetchItems(r: Reader): FetchItem[] {
  if (r.peek() === '(') {
    r.advance();
    const items = [readFetchAtt(r)];
    while (r.peek() === ' ') {
      r.advance();
      items.push(readFetchAtt(r));
    }
    r.expect(')', '")" closing fetch item list');
    return items;
  }
  const macro = MACROS[r.rest().split(' ', 1)[0]!.toUpperCase()];
  if (macro !== undefined) {
    r.take(isNameChar);
    return macro.map((type) => ({ type }));
  }
  return [readFetchAtt(r)];
}

/*
 * fetch-modifiers    = SP "(" fetch-modifier *(SP fetch-modifier) ")"        ; RFC 4466 §2.4
 * fetch-modifier     = chgsince-fetch-mod / "VANISHED"                        ; RFC 7162 §7
 * chgsince-fetch-mod = "CHANGEDSINCE" SP mod-sequence-value
 * Reads from just before the SP; CHANGEDSINCE 0 is taken as "every change", as servers do.
 */
export function readFetchModifiers(r: Reader): { changedSince: number | null; vanished: boolean } {
  let changedSince: number | null = null;
  let vanished = false;
  if (r.peek() !== ' ' || r.peek(1) !== '(') return { changedSince, vanished };
  r.sp();
  r.expect('(', 'fetch modifier list');
  do {
    if (r.peek() === ' ') r.advance();
    const name = r.atom('fetch modifier').toUpperCase();
    if (name === 'CHANGEDSINCE' && changedSince === null) {
      r.sp();
      changedSince = r.modseq('mod-sequence', true);
    } else if (name === 'VANISHED' && !vanished) {
      vanished = true;
    } else {
      r.fail(`Unknown or repeated fetch modifier ${name}`);
    }
  } while (r.peek() === ' ');
  r.expect(')', '")" closing fetch modifiers');
  // RFC 7162 §3.2.6: VANISHED only goes with CHANGEDSINCE.
  if (vanished && changedSince === null) r.fail('VANISHED needs CHANGEDSINCE');
  return { changedSince, vanished };
}

/*
 * fetch-att = "ENVELOPE" / "FLAGS" / "INTERNALDATE" / "RFC822" [".HEADER" / ".SIZE" / ".TEXT"] /
 *             "BODY" ["STRUCTURE"] / "UID" / "BODY" section [partial] / "BODY.PEEK" section [partial] /
 *             "BINARY" [".PEEK"] section-binary [partial] / "BINARY.SIZE" section-binary
 */
function readFetchAtt(r: Reader): FetchItem {
  const name = r.take(isNameChar).toUpperCase();
  if (name === '') r.fail('Expected fetch item');
  const bracket = r.peek() === '[';
  if (SIMPLE.has(name) && !(name === 'BODY' && bracket)) return { type: name as SimpleFetchItemName };
  switch (name) {
    case 'BODY':
    case 'BODY.PEEK': {
      const section = readSection(r);
      return { type: 'BODY[]', peek: name === 'BODY.PEEK', section, partial: readPartial(r) };
    }
    case 'BINARY':
    case 'BINARY.PEEK': {
      const part = readSectionBinary(r);
      return { type: 'BINARY', peek: name === 'BINARY.PEEK', part, partial: readPartial(r) };
    }
    case 'BINARY.SIZE':
      return { type: 'BINARY.SIZE', part: readSectionBinary(r) };
    default:
      return r.fail('Unknown fetch item');
  }
}

/** section-part = nz-number *("." nz-number) */
function readPart(r: Reader): number[] {
  const part = [r.nzNumber('part number')];
  while (r.peek() === '.' && isDigit(r.peek(1))) {
    r.advance();
    part.push(r.nzNumber('part number'));
    if (part.length > MAX_SECTION_PARTS) r.fail('Section part too deep');
  }
  return part;
}

/*
 * section         = "[" [section-spec] "]"
 * section-spec    = section-msgtext / (section-part ["." section-text])
 * section-msgtext = "HEADER" / "HEADER.FIELDS" [".NOT"] SP header-list / "TEXT"
 * section-text    = section-msgtext / "MIME"
 */
function readSection(r: Reader): Section {
  r.expect('[', '"["');
  let part: number[] = [];
  let text: SectionText | null = null;
  if (isDigit(r.peek())) {
    part = readPart(r);
    if (r.peek() === '.') {
      r.advance();
      text = readSectionText(r, true);
    }
  } else if (r.peek() !== ']') {
    text = readSectionText(r, false);
  }
  r.expect(']', '"]" closing section');
  return { part, text };
}

function readSectionText(r: Reader, afterPart: boolean): SectionText {
  const name = r.take((c) => /^[A-Za-z.]$/.test(c)).toUpperCase();
  switch (name) {
    case 'HEADER':
    case 'TEXT':
      return { kind: name };
    case 'MIME':
      // MIME names the MIME header of a body part, so it needs a part number.
      if (!afterPart) r.fail('MIME requires a part number');
      return { kind: 'MIME' };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      r.sp();
      return { kind: name, fields: readHeaderList(r) };
    default:
      return r.fail('Invalid section');
  }
}

/** header-list = "(" header-fld-name *(SP header-fld-name) ")" ; header-fld-name = astring */
export function readHeaderList(r: Reader): string[] {
  r.expect('(', 'header list');
  const fields = [r.astring('header field name').toUpperCase()];
  while (r.peek() === ' ') {
    r.advance();
    fields.push(r.astring('header field name').toUpperCase());
  }
  r.expect(')', '")" closing header list');
  return fields;
}

/** section-binary = "[" [section-part] "]" */
function readSectionBinary(r: Reader): number[] {
  r.expect('[', '"["');
  const part = r.peek() === ']' ? [] : readPart(r);
  r.expect(']', '"]" closing section');
  return part;
}

/** partial = "<" number "." nz-number ">" */
function readPartial(r: Reader): PartialRange | null {
  if (r.peek() !== '<') return null;
  r.advance();
  const offset = r.number('partial offset');
  r.expect('.', '"." in partial');
  const length = r.nzNumber('partial length');
  r.expect('>', '">" closing partial');
  return { offset, length };
}
