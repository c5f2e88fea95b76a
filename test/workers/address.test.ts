// Address lists for ENVELOPE and SEARCH (src/mime/address.ts): each RFC 5322 form of §3.2.2
// (CFWS), §3.4 and §3.4.1 (address, group, addr-spec) and §4.4 (obsolete forms), mostly the RFC's
// own Appendix A examples, read into the exact ENVELOPE address list of RFC 3501 §7.4.2; and, for
// any input, a list whose group markers are the only entries with a NIL mailbox or host.

import fc from 'fast-check';
import t, { type Test } from 'tap';
import { parseAddressList, writeAddressList } from '../../src/mime/address.js';
import type { Address } from '../../src/mime/types.js';

const NUM_RUNS = Number(process.env.GANNET_FUZZ_RUNS ?? 300);

/** The list as ENVELOPE sends it (RFC 3501 §9 `env-from` and friends), so expectations read like the wire. */
function wire(list: Address[] | null): string {
  if (list === null) return 'NIL';
  const s = (v: string | null): string => (v === null ? 'NIL' : `"${v.replace(/[\\"]/g, '\\$&')}"`);
  return `(${list.map((a) => `(${s(a.name)} ${s(a.route)} ${s(a.mailbox)} ${s(a.host)})`).join('')})`;
}

/** Each case: header value, expected ENVELOPE list. */
function check(t: Test, cases: [string, string][]): void {
  for (const [value, want] of cases) t.equal(wire(parseAddressList(value)), want, JSON.stringify(value));
}

t.test('RFC 5322 §3.4 and §A.1.2: mailboxes, display names, quoted display names', async (t) => {
  check(t, [
    [
      'Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>',
      '(("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "example.org")("Who?" NIL "one" "y.test"))',
    ],
    [
      '<boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>',
      '((NIL NIL "boss" "nil.test")("Giant; \\"Big\\" Box" NIL "sysservices" "example.net"))',
    ],
    ['"a, b <c@d>" <e@f.example>', '(("a, b <c@d>" NIL "e" "f.example"))'],
    ['"" <empty@example.com>', '((NIL NIL "empty" "example.com"))'],
  ]);
});

t.test('RFC 5322 §3.4 and §A.1.3: groups', async (t) => {
  check(t, [
    [
      'A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;',
      '((NIL NIL "A Group" NIL)("Ed Jones" NIL "c" "a.test")(NIL NIL "joe" "where.test")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))',
    ],
    ['Undisclosed recipients:;', '((NIL NIL "Undisclosed recipients" NIL)(NIL NIL NIL NIL))'],
    [
      'group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;',
      '((NIL NIL "group" NIL)(NIL NIL "g1" "d1.org")(NIL NIL "g2" "d2.org")(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL "g3" "d3.org")(NIL NIL NIL NIL))',
    ],
    // group = display-name ":" [group-list] ";" [CFWS], group-list = mailbox-list / CFWS / obs-group-list:
    // a comment in a group is CFWS, not a member.
    ['group:;, group2: (foo) ;', '((NIL NIL "group" NIL)(NIL NIL NIL NIL)(NIL NIL "group2" NIL)(NIL NIL NIL NIL))'],
    [
      'Friends: bob@example.com, "Carol" <carol@example.net>;, eve@example.com',
      '((NIL NIL "Friends" NIL)(NIL NIL "bob" "example.com")("Carol" NIL "carol" "example.net")(NIL NIL NIL NIL)(NIL NIL "eve" "example.com"))',
    ],
    ['unclosed: a@b.example', '((NIL NIL "unclosed" NIL)(NIL NIL "a" "b.example")(NIL NIL NIL NIL))'],
    ['g:;;', '((NIL NIL "g" NIL)(NIL NIL NIL NIL))'],
  ]);
});

t.test('RFC 5322 §3.2.2 and §A.5: comments and folding white space are not part of an address', async (t) => {
  check(t, [
    ['Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>', '(("Pete" NIL "pete" "silly.test"))'],
    [
      "A Group(Some people)     :Chris Jones <c@(Chris's host.)public.example>,         joe@example.org,  John <jdoe@one.test> (my dear friend); (the end of the group)",
      '((NIL NIL "A Group" NIL)("Chris Jones" NIL "c" "public.example")(NIL NIL "joe" "example.org")("John" NIL "jdoe" "one.test")(NIL NIL NIL NIL))',
    ],
    ['(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;', '((NIL NIL "Hidden recipients" NIL)(NIL NIL NIL NIL))'],
    ['<user-from (comment)@ (comment) domain.org>', '((NIL NIL "user-from" "domain.org"))'],
    ['user-from (comment)@ (comment) domain.org', '((NIL NIL "user-from" "domain.org"))'],
    ['John (middle) Doe <j@d.example>', '(("John Doe" NIL "j" "d.example"))'],
    ['(x <fake@evil.example>, y) real@example.org', '((NIL NIL "real" "example.org"))'],
    ['a@b.example, (only a comment), c@d.example', '((NIL NIL "a" "b.example")(NIL NIL "c" "d.example"))'],
    ['(only a comment)', 'NIL'],
    ['  ', 'NIL'],
  ]);
});

t.test('a comment after an addr-spec is its display name (RFC 822 usage, read by Dovecot and clients alike)', async (t) => {
  check(t, [
    ['jane@example.org (Jane Roe)', '(("Jane Roe" NIL "jane" "example.org"))'],
    ['nested@example.org (Nested \\(name\\) (really) comment)', '(("Nested (name) (really) comment" NIL "nested" "example.org"))'],
    ['(not a name) nested@example.org (the name)', '(("the name" NIL "nested" "example.org"))'],
    ['(not a name) jane@example.org', '((NIL NIL "jane" "example.org"))'],
    ['<a@b.example> (Name)', '(("Name" NIL "a" "b.example"))'],
    ['Phrase <a@b.example> (not the name)', '(("Phrase" NIL "a" "b.example"))'],
    ['x@[192.0.2.1] (Literal)', '(("Literal" NIL "x" "[192.0.2.1]"))'],
  ]);
});

t.test('RFC 5322 §3.4.1: quoted local parts and domain literals', async (t) => {
  check(t, [
    // The quotes stay, so that mailbox@host rebuilds the address (see the Dovecot diff's note).
    ['"local part"@example.com', '((NIL NIL "\\"local part\\"" "example.com"))'],
    ['"a\\"b"@example.com', '((NIL NIL "\\"a\\\\\\"b\\"" "example.com"))'],
    ['"a@b"@example.com', '((NIL NIL "\\"a@b\\"" "example.com"))'],
    ['admin@[192.0.2.1]', '((NIL NIL "admin" "[192.0.2.1]"))'],
    ['Dom Literal <admin@ [IPv6:2001:db8::1] >', '(("Dom Literal" NIL "admin" "[IPv6:2001:db8::1]"))'],
    ['x@[a\\]b], y@c.example', '((NIL NIL "x" "[a\\\\]b]")(NIL NIL "y" "c.example"))'],
    ['x@[1(2]', '((NIL NIL "x" "[1(2]"))'],
  ]);
});

t.test('RFC 5322 §4.4 and §A.6: obsolete forms', async (t) => {
  check(t, [
    // obs-phrase
    ['Joe Q. Public <john.q.public@example.com>', '(("Joe Q. Public" NIL "john.q.public" "example.com"))'],
    // obs-route, obs-addr-list (empty element), obs-domain with CFWS (§A.6.1)
    [
      'Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example',
      '(("Mary Smith" "@node.test" "mary" "example.net")(NIL NIL "jdoe" "test.example"))',
    ],
    ['<@route1,@route2:user@host>', '((NIL "@route1,@route2" "user" "host"))'],
    ['<,@a.example, ,(c) @b.example,: routed@c.example>', '((NIL "@a.example,@b.example" "routed" "c.example"))'],
    ['<@[192.0.2.1]:u@h.example>', '((NIL "@[192.0.2.1]" "u" "h.example"))'],
    // obs-local-part and obs-domain with CFWS around the dots (§A.6.3, RFC 822 §A.1.4)
    ['John Doe <jdoe@machine(comment).  example>', '(("John Doe" NIL "jdoe" "machine.example"))'],
    ['Wilt . (the Stilt) Chamberlain@NBA.US', '((NIL NIL "Wilt.Chamberlain" "NBA.US"))'],
    ['"quoted" . part@example.com', '((NIL NIL "\\"quoted\\".part" "example.com"))'],
    // obs-addr-list and obs-mbox-list: empty elements anywhere
    ['a@b, , c@d', '((NIL NIL "a" "b")(NIL NIL "c" "d"))'],
    [', , a@b,', '((NIL NIL "a" "b"))'],
    ['g: , a@b, ,c@d, ;', '((NIL NIL "g" NIL)(NIL NIL "a" "b")(NIL NIL "c" "d")(NIL NIL NIL NIL))'],
  ]);
});

t.test('what no RFC allows still reads as addresses, never as group markers', async (t) => {
  check(t, [
    ['root', '((NIL NIL "root" "MISSING_DOMAIN"))'],
    ['@example.com', '((NIL NIL "MISSING_MAILBOX" "example.com"))'],
    ['"Name" <>', '(("Name" NIL "MISSING_MAILBOX" "MISSING_DOMAIN"))'],
    ['<>', 'NIL'],
    // Outlook and others separate with semicolons; outside a group no RFC gives `;` another meaning.
    ['a@x.example; b@y.example', '((NIL NIL "a" "x.example")(NIL NIL "b" "y.example"))'],
    ['<a@b.example, c@d.example', '((NIL NIL "a" "b.example")(NIL NIL "c" "d.example"))'],
    // A `)` or `]` with nothing to close is text (this input once stopped the tokenizer from advancing).
    ['a)b, c]d@e.example', '((NIL NIL "a)b" "MISSING_DOMAIN")(NIL NIL "c]d" "e.example"))'],
  ]);
});

t.test('written back without CFWS, as SEARCH matches it (RFC 3501 §6.4.4)', async (t) => {
  const cases: [string, string][] = [
    ['<user-from (comment)@ (comment) domain.org>', 'user-from@domain.org'],
    ['Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>', 'Pete <pete@silly.test>'],
    [
      "A Group(Some people) :Chris Jones <c@(Chris's host.)public.example>, joe@example.org, John <jdoe@one.test> (my dear friend); (the end)",
      'A Group: Chris Jones <c@public.example>, joe@example.org, John <jdoe@one.test>;',
    ],
    ['group:;, group2: (foo) ;', 'group:;, group2:;'],
    ['<@route1,@route2:user@host>', '<@route1,@route2:user@host>'],
    ['"Doe, John" <john.doe@example.com>', 'Doe, John <john.doe@example.com>'],
    ['Wilt . (the Stilt) Chamberlain@NBA.US', 'Wilt.Chamberlain@NBA.US'],
    ['root, @example.com', 'root, @example.com'],
  ];
  for (const [value, want] of cases) t.equal(writeAddressList(parseAddressList(value) ?? []), want, JSON.stringify(value));
});

/** Text built from the pieces address parsing cares about, so the generator reaches every branch. */
const addressish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        '<',
        '>',
        ',',
        ':',
        ';',
        '@',
        '.',
        '(',
        ')',
        '"',
        '\\',
        '[',
        ']',
        ' ',
        'a',
        'b.c',
        '(x)',
        '"q"',
        '[1.2]',
        '@r:',
        'g:',
        ';,',
      ),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => parts.join(''));

t.test('property: any text gives null or a well-formed ENVELOPE list', async (t) => {
  const wellFormed = (list: Address[] | null): boolean => {
    if (list === null) return true;
    if (list.length === 0) return false;
    let inGroup = false;
    for (const a of list) {
      if (a.host === null && a.mailbox !== null) {
        // group start: nothing else set, no nesting (RFC 5322 §3.4 group-list holds mailboxes only)
        if (inGroup || a.name !== null || a.route !== null) return false;
        inGroup = true;
      } else if (a.mailbox === null) {
        if (!inGroup || a.host !== null || a.name !== null || a.route !== null) return false;
        inGroup = false;
      } else if (a.mailbox === '' || a.host === '') {
        return false;
      }
      if (a.name === '' || a.route === '') return false;
    }
    return !inGroup;
  };
  for (const [label, arb] of [
    ['arbitrary strings', fc.string({ maxLength: 60 })],
    ['address-like text', addressish],
  ] as const) {
    const r = fc.check(
      fc.property(arb, (s: string) => wellFormed(parseAddressList(s))),
      { numRuns: NUM_RUNS },
    );
    t.notOk(r.failed, `${label}${r.failed ? ` (seed ${r.seed}, counterexample ${JSON.stringify(r.counterexample)})` : ''}`);
  }
});
