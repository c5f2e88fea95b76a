// Many sessions racing on the same mailboxes, each checking its own view as it goes.
//
// 20 clients over 5 accounts (4 sessions per account share INBOX and Work) run a random mix of
// APPEND, STORE, EXPUNGE (all three forms), CLOSE, MOVE, COPY, SELECT, IDLE and FETCH for a
// bounded time on loopback. Every client owns its messages and its keywords: nobody else changes
// their flags, so the client knows exactly what each of them must carry. Every line the server
// sends is checked against the rules that break clients when they fail:
//   - a keyword never appears in a FETCH before a FLAGS response announced it (RFC 3501 §7.2.6);
//   - a message is \Recent in at most one session (RFC 3501 §2.3.2), over all sessions;
//   - a message a client owns always shows exactly the flags that client gave it;
//   - a message is expunged only while it carries \Deleted (RFC 3501 §6.4.3, RFC 4315 §2.1), or
//     by its owner's MOVE;
//   - sequence numbers and EXISTS stay consistent with the EXPUNGEs and EXISTSs sent.
// The run ends with 0 violations, and with enough of each operation done to mean something.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient, type Reply } from '../helpers/wire-client.js';

/** How long the clients race. Bounded: the test stops by itself. */
const RUN_MS = Number(process.env.GANNET_STRESS_MS ?? 20_000);
const ACCOUNTS = 5;
const CLIENTS_PER_ACCOUNT = 4;
const MAILBOXES = ['INBOX', 'Work'];
/** Messages a client keeps per mailbox before it deletes some: keeps mailboxes small, FETCH 1:* cheap. */
const MAX_OWNED_PER_MAILBOX = 10;
/** Shared label names, set by every client on its own messages only (as clients label mail). */
const LABELS = ['$Label1', '$Label2', '$Label3', '$Label4', '$Label5'];

interface Owned {
  /** The flags the owner gave the message, as a sorted list without \Recent. */
  flags: Set<string>;
  /** The owner saw the message without \Deleted after its STORE -FLAGS (\Deleted): it must stay. */
  mustStay: boolean;
  /** The owner's MOVE is taking it out. */
  moving: boolean;
  /** The owner's STORE -FLAGS (\Deleted) is running: an EXPUNGE committed before it is fair. */
  undeleting: boolean;
}

const violations: string[] = [];
/** Which session saw a message \Recent first: `account/mailbox/uidvalidity/uid` → session. */
const recentSeen = new Map<string, string>();
const counts: Record<string, number> = {};
const count = (op: string): void => {
  counts[op] = (counts[op] ?? 0) + 1;
};

function parseFlags(list: string): string[] {
  return list.trim() === '' ? [] : list.trim().split(/\s+/);
}

const sorted = (flags: Iterable<string>): string => [...flags].sort().join(' ');

/** A deterministic random source per client, so a failing run can be told apart by seed. */
function random(seed: number): () => number {
  let x = seed * 2654435761 + 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1_000_000) / 1_000_000;
  };
}

class StressClient {
  readonly name: string;
  readonly account: string;
  readonly #rand: () => number;
  readonly #keywords: string[];
  #c!: WireClient;
  #tag = 0;
  #mailbox = '';
  #uidValidity = 0;
  #session = '';
  #selects = 0;
  /** seq - 1 → UID; 0 while the UID of a message announced by EXISTS is not known yet. */
  #uids: number[] = [];
  /** Lower-cased flags the last FLAGS response announced for the selected mailbox. */
  #announced = new Set<string>();
  /** mailbox → uid → what this client gave it. */
  #owned = new Map<string, Map<number, Owned>>(MAILBOXES.map((m) => [m, new Map()]));

  constructor(index: number, account: string) {
    this.name = `c${index}`;
    this.account = account;
    this.#rand = random(index + 1);
    this.#keywords = [`$Own${index}a`, `$Own${index}b`];
  }

  #violation(text: string): void {
    violations.push(`${this.name} (${this.account} ${this.#mailbox}): ${text}`);
  }

  #pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#rand() * items.length)]!;
  }

  get #ownedHere(): Map<number, Owned> {
    return this.#owned.get(this.#mailbox)!;
  }

  async start(port: number): Promise<void> {
    this.#c = await WireClient.login(port, this.account, 'secret');
    await this.#select(this.#pick(MAILBOXES));
  }

  /** Sends one command and checks every line of its reply, in order. */
  async #command(text: string, literal?: string): Promise<Reply> {
    const tag = `${this.name}.${++this.#tag}`;
    if (literal === undefined) this.#c.write(`${tag} ${text}\r\n`);
    else this.#c.write(`${tag} ${text} {${Buffer.byteLength(literal)}+}\r\n${literal}\r\n`);
    const reply = await this.#c.readTagged(tag, 30_000);
    for (const line of reply.untagged) this.#observe(line);
    if (!/^\S+ OK/.test(reply.tagged)) this.#violation(`${text.split(' ')[0]} failed: ${reply.tagged}`);
    return reply;
  }

  /** One untagged line against the session's view. */
  #observe(line: string): void {
    let m: RegExpExecArray | null;
    if ((m = /^\* FLAGS \((.*)\)$/.exec(line))) {
      this.#announced = new Set(parseFlags(m[1]!).map((f) => f.toLowerCase()));
    } else if ((m = /^\* (\d+) EXISTS$/.exec(line))) {
      const n = Number(m[1]);
      if (n < this.#uids.length) this.#violation(`EXISTS ${n} below the ${this.#uids.length} messages known`);
      while (this.#uids.length < n) this.#uids.push(0);
    } else if ((m = /^\* (\d+) EXPUNGE$/.exec(line))) {
      const seq = Number(m[1]);
      if (seq < 1 || seq > this.#uids.length) return this.#violation(`EXPUNGE ${seq} outside 1:${this.#uids.length}`);
      const uid = this.#uids[seq - 1]!;
      this.#uids.splice(seq - 1, 1);
      const owned = this.#ownedHere.get(uid);
      if (owned === undefined) return;
      this.#ownedHere.delete(uid);
      if (owned.moving || (owned.undeleting && !owned.mustStay)) return;
      if (!owned.flags.has('\\Deleted') || owned.mustStay) this.#violation(`EXPUNGE of own UID ${uid}, which does not carry \\Deleted`);
    } else if ((m = /^\* (\d+) FETCH \((.*)\)$/.exec(line))) {
      this.#observeFetch(Number(m[1]), m[2]!);
    }
  }

  #observeFetch(seq: number, items: string): void {
    if (seq < 1 || seq > this.#uids.length) return this.#violation(`FETCH ${seq} outside 1:${this.#uids.length}`);
    const uidMatch = /(?:^| )UID (\d+)/.exec(items);
    let uid = this.#uids[seq - 1]!;
    if (uidMatch) {
      const given = Number(uidMatch[1]);
      if (uid !== 0 && uid !== given) this.#violation(`FETCH ${seq} names UID ${given}, the view has UID ${uid} there`);
      uid = given;
      this.#uids[seq - 1] = given;
    }
    const flagsMatch = /(?:^| )FLAGS \(([^)]*)\)/.exec(items);
    if (!flagsMatch) return;
    const flags = parseFlags(flagsMatch[1]!);
    for (const f of flags) {
      if (!f.startsWith('\\') && !this.#announced.has(f.toLowerCase()))
        this.#violation(`keyword ${f} in a FETCH before any FLAGS announced it`);
    }
    if (flags.includes('\\Recent') && uid !== 0) {
      const key = `${this.account}/${this.#mailbox}/${this.#uidValidity}/${uid}`;
      const first = recentSeen.get(key);
      if (first === undefined) recentSeen.set(key, this.#session);
      else if (first !== this.#session) this.#violation(`UID ${uid} is \\Recent here and in session ${first}`);
    }
    const owned = uid === 0 ? undefined : this.#ownedHere.get(uid);
    if (owned && !owned.moving) {
      if (owned.undeleting && !flags.includes('\\Deleted')) owned.mustStay = true;
      const seen = sorted(flags.filter((f) => f !== '\\Recent'));
      if (seen !== sorted(owned.flags)) this.#violation(`own UID ${uid} shows (${seen}), it was given (${sorted(owned.flags)})`);
    }
  }

  async #select(mailbox: string): Promise<void> {
    count('select');
    this.#mailbox = mailbox;
    this.#uids = [];
    this.#session = `${this.name}#${++this.#selects}`;
    const reply = await this.#command(`SELECT ${mailbox}`);
    const v = reply.untagged.map((l) => /UIDVALIDITY (\d+)/.exec(l)).find((x) => x !== null);
    this.#uidValidity = v ? Number(v[1]) : 0;
    await this.#fetchAll();
    // What this client owns here and was told must stay has to be here still.
    const present = new Set(this.#uids);
    for (const [uid, owned] of this.#ownedHere) {
      if (present.has(uid)) continue;
      this.#ownedHere.delete(uid);
      if (!owned.flags.has('\\Deleted') || owned.mustStay) this.#violation(`own UID ${uid} vanished without \\Deleted`);
    }
  }

  async #fetchAll(): Promise<void> {
    if (this.#uids.length > 0) await this.#command('FETCH 1:* (UID FLAGS)');
  }

  /** Learns the UIDs of messages announced by EXISTS (and sees their flags, \Recent among them). */
  async #fetchUnknown(): Promise<void> {
    const first = this.#uids.indexOf(0);
    if (first >= 0) await this.#command(`FETCH ${first + 1}:* (UID FLAGS)`);
  }

  #ownedUid(filter: (o: Owned) => boolean = () => true): number | null {
    const uids = [...this.#ownedHere].filter(([, o]) => !o.moving && filter(o)).map(([u]) => u);
    return uids.length === 0 ? null : this.#pick(uids);
  }

  async #append(): Promise<void> {
    const target = this.#rand() < 0.7 ? this.#mailbox : this.#pick(MAILBOXES);
    const owned = this.#owned.get(target)!;
    if (owned.size >= MAX_OWNED_PER_MAILBOX) return this.#deleteOwn();
    count('append');
    const flags = new Set<string>([this.#pick(this.#keywords)]);
    if (this.#rand() < 0.5) flags.add(this.#pick(LABELS));
    if (this.#rand() < 0.3) flags.add('\\Flagged');
    const body = `From: ${this.name}@example.org\r\nSubject: ${this.name} ${this.#tag}\r\n\r\nbody\r\n`;
    const reply = await this.#command(`APPEND ${target} (${[...flags].join(' ')})`, body);
    const m = /\[APPENDUID (\d+) (\d+)\]/.exec(reply.tagged);
    if (m) owned.set(Number(m[2]), { flags, mustStay: false, moving: false, undeleting: false });
  }

  /** STORE on one of its own messages; the expectation changes before the reply is read. */
  async #store(uid: number, mode: '+' | '-', flags: string[], silent: boolean): Promise<Reply> {
    count('store');
    const owned = this.#ownedHere.get(uid)!;
    if (mode === '+' && flags.includes('\\Deleted')) owned.mustStay = false;
    for (const f of flags) {
      if (mode === '+') owned.flags.add(f);
      else owned.flags.delete(f);
    }
    return this.#command(`UID STORE ${uid} ${mode}FLAGS${silent ? '.SILENT' : ''} (${flags.join(' ')})`);
  }

  async #toggleKeyword(): Promise<void> {
    const uid = this.#ownedUid();
    if (uid === null) return this.#append();
    const flag = this.#pick([...this.#keywords, ...LABELS, '\\Flagged', '\\Seen']);
    const has = this.#ownedHere.get(uid)!.flags.has(flag);
    await this.#store(uid, has ? '-' : '+', [flag], this.#rand() < 0.3);
  }

  async #deleteOwn(): Promise<void> {
    const uid = this.#ownedUid((o) => !o.flags.has('\\Deleted'));
    if (uid !== null) await this.#store(uid, '+', ['\\Deleted'], false);
  }

  /** Takes \Deleted back: once the reply shows the message without it, no EXPUNGE may take it. */
  async #undelete(): Promise<void> {
    const uid = this.#ownedUid((o) => o.flags.has('\\Deleted'));
    if (uid === null) return this.#deleteOwn();
    count('undelete');
    const owned = this.#ownedHere.get(uid)!;
    owned.undeleting = true;
    await this.#store(uid, '-', ['\\Deleted'], false);
    owned.undeleting = false;
    // Not shown without \Deleted: an EXPUNGE committed first, and its EXPUNGE may still be owed.
    if (!owned.mustStay) owned.flags.add('\\Deleted');
  }

  async #expunge(): Promise<void> {
    count('expunge');
    const form = this.#rand();
    if (form < 0.4) await this.#command('EXPUNGE');
    else if (form < 0.8) await this.#command('UID EXPUNGE 1:*');
    else {
      const uid = this.#ownedUid((o) => o.flags.has('\\Deleted'));
      if (uid !== null) await this.#command(`UID EXPUNGE ${uid}`);
    }
  }

  async #moveOrCopy(): Promise<void> {
    const uid = this.#ownedUid((o) => !o.flags.has('\\Deleted'));
    const other = MAILBOXES.find((m) => m !== this.#mailbox)!;
    if (uid === null || this.#owned.get(other)!.size >= MAX_OWNED_PER_MAILBOX) return this.#append();
    const owned = this.#ownedHere.get(uid)!;
    const move = this.#rand() < 0.5;
    count(move ? 'move' : 'copy');
    if (move) owned.moving = true;
    const reply = await this.#command(`UID ${move ? 'MOVE' : 'COPY'} ${uid} ${other}`);
    const m = [reply.tagged, ...reply.untagged].map((l) => /\[COPYUID \d+ \d+ (\d+)\]/.exec(l)).find((x) => x !== null);
    if (m) this.#owned.get(other)!.set(Number(m[1]), { flags: new Set(owned.flags), mustStay: false, moving: false, undeleting: false });
  }

  async #idle(): Promise<void> {
    count('idle');
    const tag = `${this.name}.${++this.#tag}`;
    this.#c.write(`${tag} IDLE\r\n`);
    const lines: string[] = [];
    for (;;) {
      const line = await this.#c.readLine(30_000);
      if (line.startsWith('+')) break;
      lines.push(line);
    }
    await new Promise((r) => setTimeout(r, 50 + this.#rand() * 250));
    this.#c.write('DONE\r\n');
    const reply = await this.#c.readTagged(tag, 30_000);
    for (const line of [...lines, ...reply.untagged]) this.#observe(line);
    if (!reply.tagged.startsWith(`${tag} OK`)) this.#violation(`IDLE failed: ${reply.tagged}`);
  }

  async #closeAndSelect(): Promise<void> {
    count('close');
    await this.#command('CLOSE');
    await this.#select(this.#pick(MAILBOXES));
  }

  async step(): Promise<void> {
    const r = this.#rand();
    if (r < 0.2) await this.#append();
    else if (r < 0.42) await this.#toggleKeyword();
    else if (r < 0.52) await this.#deleteOwn();
    else if (r < 0.6) await this.#undelete();
    else if (r < 0.68) await this.#expunge();
    else if (r < 0.75) await this.#moveOrCopy();
    else if (r < 0.83) await this.#idle();
    else if (r < 0.9) await this.#select(this.#pick(MAILBOXES));
    else if (r < 0.94) await this.#closeAndSelect();
    else if (r < 0.97) await this.#fetchAll();
    else await this.#command('NOOP');
    await this.#fetchUnknown();
  }

  async stop(): Promise<void> {
    await this.#command('LOGOUT').catch(() => undefined);
    this.#c.close();
  }
}

const users = Object.fromEntries(Array.from({ length: ACCOUNTS }, (_, i) => [`stress${i}`, 'secret']));
const srv = await startTestServer({ users });
t.teardown(() => srv.close());

t.test(`${ACCOUNTS * CLIENTS_PER_ACCOUNT} clients over ${ACCOUNTS} accounts keep consistent views`, async (t) => {
  // Each account's mailboxes exist before the clients start choosing among them.
  for (const user of Object.keys(users)) {
    const c = await WireClient.login(srv.port(), user, 'secret');
    for (const name of MAILBOXES.filter((m) => m !== 'INBOX')) await c.command('c', `CREATE ${name}`);
    c.close();
  }
  const clients = Array.from({ length: ACCOUNTS * CLIENTS_PER_ACCOUNT }, (_, i) => new StressClient(i, `stress${i % ACCOUNTS}`));
  await Promise.all(clients.map((c) => c.start(srv.port())));
  const until = Date.now() + RUN_MS;
  await Promise.all(
    clients.map(async (c) => {
      while (Date.now() < until) await c.step();
      await c.stop();
    }),
  );
  t.comment(`operations: ${JSON.stringify(counts)}; messages seen \\Recent: ${recentSeen.size}`);
  // By kind first (names and numbers taken out), then the first few in full.
  const kinds = new Map<string, number>();
  for (const v of violations) {
    const kind = v.replace(/^\S+ \([^)]*\): /, '').replace(/\$\w+|\d+|\([^)]*\)/g, '_');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  t.same(Object.fromEntries(kinds), {}, `${violations.length} violations, by kind`);
  t.same(violations.slice(0, 30), [], 'the first violations');
  // Enough of everything happened for the checks to mean something.
  if (RUN_MS >= 20_000) {
    for (const op of ['append', 'store', 'undelete', 'expunge', 'move', 'copy', 'idle', 'select', 'close']) {
      t.ok((counts[op] ?? 0) >= 50, `${op}: ${counts[op] ?? 0} done`);
    }
    t.ok(recentSeen.size >= 100, `${recentSeen.size} messages seen \\Recent`);
  }
});
