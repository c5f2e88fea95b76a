// LIST pattern matching (RFC 3501 §6.3.8): "*" crosses hierarchy levels, "%" does not,
// INBOX is case-insensitive, the reference is prefixed.

import t from 'tap';
import { compilePattern, joinReference } from '../../actors/connection/commands/list-match.js';

t.test('wildcards', async (t) => {
  const names = ['INBOX', 'Work', 'Work/2026', 'Work/2026/Q1', 'Workshop', 'a.b*c'];
  const m = (p: string) => names.filter(compilePattern(p));
  t.same(m('*'), names);
  t.same(m('%'), ['INBOX', 'Work', 'Workshop', 'a.b*c']);
  t.same(m('Work/%'), ['Work/2026']);
  t.same(m('Work/*'), ['Work/2026', 'Work/2026/Q1']);
  t.same(m('Work*'), ['Work', 'Work/2026', 'Work/2026/Q1', 'Workshop']);
  t.same(m('inbox'), ['INBOX']);
  t.same(m('a.b%'), ['a.b*c'], 'regex characters in names are literal');
});

t.test('reference joins the pattern', async (t) => {
  t.equal(joinReference('', 'Work/%'), 'Work/%');
  t.equal(joinReference('Work/', '%'), 'Work/%');
  t.equal(joinReference('Work', '/%'), '/%');
});
