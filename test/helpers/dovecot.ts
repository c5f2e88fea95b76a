// Runs Debian's Dovecot IMAP binary (package dovecot-imapd) for differential tests: no daemon,
// no root service. `/usr/lib/dovecot/imap` is started in pre-authenticated mode, speaking IMAP
// over stdin/stdout, with a config and a Maildir in a temp dir. Dovecot refuses to touch mail as
// root, so under root it runs as `nobody` through setpriv (util-linux).

import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DOVECOT_IMAP = '/usr/lib/dovecot/imap';
export const DOVECOT_PACKAGE = 'dovecot-imapd';

/** uid/gid Dovecot runs as when the test runs as root (Debian's `nobody`). */
const NOBODY = 65534;

/** One FETCH data item value as Dovecot sent it. */
export interface WireValue {
  /** The exact bytes of the value (list, string, literal or NIL). */
  raw: Buffer;
  /** For a string or literal, its content; null for NIL and lists. */
  content: Buffer | null;
  /** The value with string syntax erased (quoted and literal forms compare equal). */
  canonical: string;
}

/** What Dovecot answered for one command: its FETCH items, or the failure text. */
export interface FetchResult {
  items: Map<string, WireValue>;
  /** Text of a tagged NO/BAD, null on OK. */
  failure: string | null;
}

export interface MailboxRequest {
  name: string;
  raw: Buffer;
  /** Each entry is one FETCH command's item list, e.g. `ENVELOPE BODY.PEEK[1]`. */
  fetches: string[];
}

function chownTree(path: string): void {
  chownSync(path, NOBODY, NOBODY);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e));
}

/**
 * Stores each message alone in its own Maildir mailbox, runs every FETCH against message 1 of
 * it, and returns the results per mailbox, in request order.
 */
export async function fetchFromDovecot(requests: MailboxRequest[]): Promise<FetchResult[][]> {
  const dir = mkdtempSync(join(tmpdir(), 'gannet-dovecot-'));
  try {
    const root = process.getuid?.() === 0;
    const uid = root ? NOBODY : (process.getuid?.() ?? 0);
    const gid = root ? NOBODY : (process.getgid?.() ?? 0);
    const mail = join(dir, 'mail');
    const config = [
      `mail_location = maildir:${mail}:LAYOUT=fs:INDEX=MEMORY`,
      `mail_uid = ${uid}`,
      `mail_gid = ${gid}`,
      'first_valid_uid = 0',
      'first_valid_gid = 0',
      'ssl = no',
      `base_dir = ${join(dir, 'run')}`,
      `state_dir = ${join(dir, 'state')}`,
      'log_path = /dev/stderr',
      '',
    ].join('\n');
    writeFileSync(join(dir, 'dovecot.conf'), config);
    for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(mail, sub), { recursive: true });
    if (root) chownTree(dir);
    const cmd = root ? 'setpriv' : DOVECOT_IMAP;
    const args = root
      ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', DOVECOT_IMAP, '-c', join(dir, 'dovecot.conf')]
      : ['-c', join(dir, 'dovecot.conf')];
    const results: FetchResult[][] = [];
    // One process per mailbox: Dovecot ends the whole session with BYE on some broken input
    // (a base64 part with a partial last quantum), which must not hide the other fixtures.
    for (const r of requests) {
      const md = join(mail, r.name);
      for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(md, sub), { recursive: true });
      writeFileSync(join(md, 'cur', `1000000000.M1P1.gannet,S=${r.raw.length}:2,`), r.raw);
      if (root) chownTree(md);
      const box: FetchResult[] = r.fetches.map(() => ({ items: new Map(), failure: null }));
      // Dovecot ends the whole session with BYE on some broken input (a base64 part with a
      // partial last quantum); the command that caused it records the BYE, and a new session
      // carries on with the rest.
      let next = 0;
      while (next < r.fetches.length) {
        const first = next;
        const commands = [`SELECT "${r.name}"`, ...r.fetches.slice(first).map((items) => `FETCH 1 (${items})`), 'LOGOUT'];
        let pending = new Map<string, WireValue>();
        let bye = '';
        // One command at a time: Dovecot may hold tagged replies back behind later untagged
        // ones when commands are pipelined, which would blur which FETCH answered what.
        const out = await converse(cmd, args, { USER: 'gannet', HOME: dir }, (resp, send) => {
          const text = resp.toString('latin1');
          if (text.startsWith('* PREAUTH')) {
            send(`c0 ${commands[0]}`);
            return;
          }
          if (text.startsWith('* BYE')) bye = text.trim();
          if (text.startsWith('* 1 FETCH (')) {
            for (const [k, v] of parseFetchItems(resp, '* 1 FETCH ('.length)) pending.set(k, v);
            return;
          }
          const m = /^c(\d+) (OK|NO|BAD) ?(.*)$/s.exec(text.trimEnd());
          if (m === null) return;
          const n = Number(m[1]);
          if (n === 0 && m[2] !== 'OK') throw new Error(`dovecot: SELECT ${r.name}: ${m[2]} ${m[3]}`);
          if (n >= 1 && n < commands.length - 1) {
            box[first + n - 1] = { items: pending, failure: m[2] === 'OK' ? null : `${m[2]} ${m[3]}` };
            next = first + n;
          }
          pending = new Map();
          if (n + 1 < commands.length) send(`c${n + 1} ${commands[n + 1]}`);
        });
        if (next < r.fetches.length) {
          if (bye === '') throw new Error(`dovecot imap ended without BYE (exit ${out.status}): ${out.stderr}`);
          box[next] = { items: new Map(), failure: bye.replace(/\s*\[\d{4}-[^\]]*\]\s*$/, '') };
          next++;
        }
      }
      results.push(box);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the IMAP process and hands each complete response to `onResponse`, which may send the
 * next command. Like interop.ts `run` (never blocks the event loop), but keeps stdout as
 * bytes, since literals carry 8-bit data.
 */
function converse(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  onResponse: (resp: Buffer, send: (line: string) => void) => void,
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let buf: Buffer = Buffer.alloc(0);
    let stderr = '';
    let failed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const send = (line: string): void => {
      child.stdin.write(`${line}\r\n`);
    };
    child.stdout.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const { responses, rest } = takeResponses(buf);
      buf = rest;
      try {
        for (const r of responses) onResponse(r, send);
      } catch (err) {
        failed = true;
        child.kill('SIGKILL');
        reject(err);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      if (!failed) resolve({ status, stderr });
    });
  });
}

/** Splits server output into whole responses (a line plus any literals it announces) and the incomplete rest. */
export function takeResponses(out: Buffer): { responses: Buffer[]; rest: Buffer } {
  const responses: Buffer[] = [];
  let start = 0;
  let pos = 0;
  while (pos < out.length) {
    const lf = out.indexOf(0x0a, pos);
    if (lf < 0) break;
    const line = out.subarray(pos, lf + 1).toString('latin1');
    const lit = /~?\{(\d+)\+?\}\r?\n$/.exec(line);
    if (lit !== null) {
      pos = lf + 1 + Number(lit[1]);
      continue;
    }
    responses.push(out.subarray(start, lf + 1));
    pos = lf + 1;
    start = pos;
  }
  return { responses, rest: out.subarray(start) };
}

/** Parses `name value name value … )` of a FETCH response from `pos`. */
export function parseFetchItems(buf: Buffer, pos: number): Map<string, WireValue> {
  const items = new Map<string, WireValue>();
  while (pos < buf.length && buf[pos] !== 0x29) {
    if (buf[pos] === 0x20) {
      pos++;
      continue;
    }
    let depth = 0;
    const nameStart = pos;
    while (pos < buf.length && (depth > 0 || buf[pos] !== 0x20)) {
      if (buf[pos] === 0x5b) depth++;
      else if (buf[pos] === 0x5d) depth--;
      pos++;
    }
    const name = normaliseItemName(buf.subarray(nameStart, pos).toString('latin1'));
    pos++;
    const v = parseValue(buf, pos);
    items.set(name, v.value);
    pos = v.end;
  }
  return items;
}

/** `BODY.PEEK[1]` and `BODY[1]` name the same data; quotes in field lists are optional. */
export function normaliseItemName(name: string): string {
  return name.toUpperCase().replace('.PEEK', '').replace(/"/g, '');
}

/** Parses one value (NIL, number, quoted, literal, literal8, atom or list) at `pos`. */
export function parseValue(buf: Buffer, pos: number): { value: WireValue; end: number } {
  const start = pos;
  const c = buf[pos];
  if (c === 0x28) {
    pos++;
    const parts: string[] = [];
    while (pos < buf.length && buf[pos] !== 0x29) {
      if (buf[pos] === 0x20) {
        pos++;
        continue;
      }
      const v = parseValue(buf, pos);
      parts.push(v.value.canonical);
      pos = v.end;
    }
    pos++;
    return { value: { raw: buf.subarray(start, pos), content: null, canonical: `(${parts.join(' ')})` }, end: pos };
  }
  if (c === 0x22) {
    const bytes: number[] = [];
    pos++;
    while (pos < buf.length && buf[pos] !== 0x22) {
      if (buf[pos] === 0x5c) pos++;
      bytes.push(buf[pos]!);
      pos++;
    }
    pos++;
    const content = Buffer.from(bytes);
    return { value: { raw: buf.subarray(start, pos), content, canonical: JSON.stringify(content.toString('latin1')) }, end: pos };
  }
  const lit = /^~?\{(\d+)\}\r\n/.exec(buf.subarray(pos, pos + 24).toString('latin1'));
  if (lit !== null) {
    const from = pos + lit[0].length;
    const to = from + Number(lit[1]);
    const content = buf.subarray(from, to);
    return { value: { raw: buf.subarray(start, to), content, canonical: JSON.stringify(content.toString('latin1')) }, end: to };
  }
  while (pos < buf.length && buf[pos] !== 0x20 && buf[pos] !== 0x29 && buf[pos] !== 0x0d) pos++;
  const atom = buf.subarray(start, pos).toString('latin1');
  return { value: { raw: buf.subarray(start, pos), content: null, canonical: atom.toUpperCase() === 'NIL' ? 'NIL' : atom }, end: pos };
}
