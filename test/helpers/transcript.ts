// Wire-level transcripts (test/transcripts/**/*.imap): scripted sessions with exact lines.
//
//   # comment                       header (before the first step):
//   user: alice                     a user to create, password "secret" (or password: …)
//   state: auth                     log every connection in first (default: nonauth)
//   connections: 2                  how many connections (C1/S1, C2/S2; C/S mean 1)
//   config: tls                     which server config (see transcripts.test.ts)
//   strict-untagged: yes            untagged lines not listed are an error
//
//   C: a1 LOGIN alice secret        a line sent (CRLF added); after `{n}` a `+` is awaited; a
//                                   `$name` captured before is sent as its value
//   S: * CAPABILITY IMAP4rev1 *     expected lines; untagged before a tagged line are a set
//   S: a1 OK *                      `*` at the end matches any rest; `$name` captures/compares
//   S! * 1 EXPUNGE                  must not appear before the next tagged line
//   S: <closed>                     the server closes the connection
//
// The runner returns a list of problems (empty = pass), so the test file does the asserting.

import { readFileSync } from 'node:fs';
import { WireClient } from './wire-client.js';

export interface Transcript {
  name: string;
  header: Record<string, string>;
  steps: Step[];
}

type Step =
  | { kind: 'send'; conn: number; text: string; line: number }
  | { kind: 'expect'; conn: number; text: string; line: number; mustNot: boolean };

export function parseTranscript(path: string, name: string): Transcript {
  const header: Record<string, string> = {};
  const steps: Step[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const m = /^([CS])(\d*)(:|!) ?(.*)$/.exec(line);
    if (m) {
      const conn = m[2] ? Number(m[2]) : 1;
      if (m[1] === 'C') steps.push({ kind: 'send', conn, text: m[4]!, line: i + 1 });
      else steps.push({ kind: 'expect', conn, text: m[4]!, line: i + 1, mustNot: m[3] === '!' });
      return;
    }
    const h = /^([a-z-]+):\s*(.*)$/.exec(line);
    if (h && steps.length === 0) {
      header[h[1]!] = h[2]!;
      return;
    }
    throw new Error(`${name}:${i + 1}: cannot read line ${JSON.stringify(line)}`);
  });
  return { name, header, steps };
}

/** Does `actual` match `pattern` (with `*` suffix and `$name` captures)? */
export function matchLine(pattern: string, actual: string, vars: Map<string, string>): boolean {
  // `*` standing alone as a word (not at the start, where it is the untagged marker) matches
  // any text; `$name` captures a word.
  const parts = pattern.split(/(\$[a-zA-Z_][a-zA-Z0-9_]*|(?<=[ [(])\*(?=[ \])]|$))/);
  let re = '^';
  const names: string[] = [];
  for (const p of parts) {
    if (p.startsWith('$') && p.length > 1) {
      const name = p.slice(1);
      if (vars.has(name)) re += escapeRe(vars.get(name)!);
      else {
        re += '([^\\s()\\[\\]]+)';
        names.push(name);
      }
    } else if (p === '*') {
      re += '.*?';
    } else {
      re += escapeRe(p);
    }
  }
  re += '$';
  const m = new RegExp(re, 's').exec(actual.trimEnd());
  if (!m) return false;
  names.forEach((n, i) => vars.set(n, m[i + 1]!));
  return true;
}

/**
 * A line to send with each `$name` captured so far replaced by its value (a UIDVALIDITY, say);
 * a `$word` that names no capture (a keyword such as `$Work`) is sent as written.
 */
function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$([a-zA-Z_][a-zA-Z0-9_]*)/g, (whole, name: string) => vars.get(name) ?? whole);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A tagged line starts with a tag this connection sent (literal data lines do not). */
function isTagged(text: string, tags: ReadonlySet<string>): boolean {
  return tags.has(text.split(' ')[0] ?? '');
}

export interface RunContext {
  port: number;
  /** Logs a connection in (used for `state: auth`). */
  login?: (client: WireClient) => Promise<void>;
}

export async function runTranscript(t: Transcript, ctx: RunContext): Promise<string[]> {
  const problems: string[] = [];
  const vars = new Map<string, string>();
  const count = Number(t.header.connections ?? '1');
  const strict = t.header['strict-untagged'] === 'yes';
  const clients: WireClient[] = [];
  const tags = new Map<number, Set<string>>();
  const tagsOf = (conn: number) => {
    let set = tags.get(conn);
    if (!set) tags.set(conn, (set = new Set()));
    return set;
  };
  try {
    for (let i = 0; i < count; i++) {
      const c = await WireClient.connect(ctx.port);
      await c.readLine(); // greeting
      if (t.header.state === 'auth' && ctx.login) await ctx.login(c);
      clients.push(c);
    }
    const steps = t.steps;
    let i = 0;
    while (i < steps.length && problems.length === 0) {
      const step = steps[i]!;
      const client = clients[step.conn - 1];
      if (!client) {
        problems.push(`line ${step.line}: no connection ${step.conn}`);
        break;
      }
      if (step.kind === 'send') {
        client.write(`${substitute(step.text, vars)}\r\n`);
        const tag = /^(\S+) [A-Za-z]/.exec(step.text)?.[1];
        if (tag) tagsOf(step.conn).add(tag);
        // A synchronising literal waits for "+", unless the transcript expects a refusal next.
        const next = steps[i + 1];
        if (/\{\d+\}$/.test(step.text) && next?.kind === 'send' && next.conn === step.conn) {
          const cont = await client.readLine();
          if (!cont.startsWith('+')) problems.push(`line ${step.line}: expected "+" continuation, got ${JSON.stringify(cont)}`);
        }
        i++;
        continue;
      }
      // A run of expectations for one connection, up to and including a tagged line.
      const group: Extract<Step, { kind: 'expect' }>[] = [];
      while (i < steps.length) {
        const s = steps[i]!;
        if (s.kind !== 'expect' || s.conn !== step.conn) break;
        group.push(s);
        i++;
        if (!s.mustNot && isTagged(s.text, tagsOf(step.conn))) break;
      }
      problems.push(...(await checkGroup(client, group, vars, strict, tagsOf(step.conn))));
    }
  } catch (err) {
    problems.push(`error: ${(err as Error).message}`);
  } finally {
    for (const c of clients) c.close();
  }
  return problems;
}

async function checkGroup(
  client: WireClient,
  group: Extract<Step, { kind: 'expect' }>[],
  vars: Map<string, string>,
  strict: boolean,
  tags: ReadonlySet<string>,
): Promise<string[]> {
  const problems: string[] = [];
  const mustNot = group.filter((s) => s.mustNot);
  const expected = group.filter((s) => !s.mustNot);
  const last = expected[expected.length - 1];
  if (last?.text === '<closed>') {
    try {
      for (;;) {
        const line = await client.readLine();
        if (!expected.slice(0, -1).some((s) => matchLine(s.text, line, vars))) {
          if (strict) problems.push(`line ${last.line}: unexpected ${JSON.stringify(line)} before close`);
        }
      }
    } catch {
      // closed, as expected
    }
    if (!client.closed) problems.push(`line ${last.line}: connection not closed`);
    return problems;
  }
  if (!last || !isTagged(last.text, tags)) {
    // No tagged line: the listed lines arrive in this order (IDLE updates, continuations).
    for (const s of expected) {
      const line = await client.readLine();
      if (!matchLine(s.text, line, vars)) problems.push(`line ${s.line}: expected ${JSON.stringify(s.text)}, got ${JSON.stringify(line)}`);
    }
    return problems;
  }
  const tag = last.text.split(' ')[0]!;
  const reply = await client.readTagged(tag);
  const pending = expected.slice(0, -1);
  for (const line of reply.untagged) {
    for (const s of mustNot) {
      if (matchLine(s.text, line, new Map(vars))) problems.push(`line ${s.line}: forbidden line appeared: ${JSON.stringify(line)}`);
    }
    const k = pending.findIndex((s) => matchLine(s.text, line, vars));
    if (k >= 0) pending.splice(k, 1);
    else if (strict) problems.push(`line ${last.line}: unexpected untagged ${JSON.stringify(line)}`);
  }
  for (const s of pending) problems.push(`line ${s.line}: missing ${JSON.stringify(s.text)} (got ${JSON.stringify(reply.untagged)})`);
  if (!matchLine(last.text, reply.tagged, vars))
    problems.push(`line ${last.line}: expected ${JSON.stringify(last.text)}, got ${JSON.stringify(reply.tagged)}`);
  return problems;
}
