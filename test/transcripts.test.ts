// Runs every wire transcript in test/transcripts/ against a real server on loopback.
// Each transcript states its own invariant in its opening comment.

import t from 'tap';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTranscript, runTranscript } from './helpers/transcript.js';
import { DEFAULT_TEST_CONFIG, startTestServer, type TestServer } from './helpers/server.js';
import { setPassword } from './helpers/credentials.js';

const root = fileURLToPath(new URL('./transcripts/', import.meta.url));

function findTranscripts(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTranscripts(p));
    else if (name.endsWith('.imap')) out.push(p);
  }
  return out;
}

/** Server configurations a transcript can ask for with `config: NAME`. */
const CONFIGS: Record<string, string> = {
  default: DEFAULT_TEST_CONFIG,
  'sasl-login': DEFAULT_TEST_CONFIG.replace('tls off', 'tls off\n    sasl_login yes'),
  // Two expunge tombstones per mailbox: QRESYNC below the floor (RFC 7162 §3.2.5.2).
  tombstones: DEFAULT_TEST_CONFIG.replace('path mail', 'path mail\n    tombstone_limit 2'),
};

const servers = new Map<string, TestServer>();
async function serverFor(name: string, hibernate: boolean): Promise<TestServer> {
  const key = `${name}:${hibernate}`;
  let s = servers.get(key);
  if (!s) {
    const config = CONFIGS[name];
    if (!config) throw new Error(`unknown transcript config ${name}`);
    s = await startTestServer({
      config,
      users: { alice: 'secret', 'bob@example.org': 'hunter2' },
      // Every transcript runs twice: as is, and with each connection hibernating whenever it
      // rests, which must be invisible on the wire.
      hibernateAfterMs: hibernate ? 0 : null,
    });
    servers.set(key, s);
  }
  return s;
}

const created = new Set<string>();
async function userExists(server: TestServer, user: string): Promise<boolean> {
  const key = `${server.stateDir}:${user}`;
  if (created.has(key) || user === 'alice' || user === 'bob@example.org') return true;
  created.add(key);
  return false;
}

t.teardown(async () => {
  for (const s of servers.values()) await s.close();
});

for (const file of findTranscripts(root))
  for (const hibernate of [false, true]) {
    const name = relative(root, file);
    t.test(hibernate ? `${name} (hibernating)` : name, async (t) => {
      const transcript = parseTranscript(file, name);
      const server = await serverFor(transcript.header.config ?? 'default', hibernate);
      // Each transcript that logs in gets its own account unless it names one, so mailbox
      // state never leaks from one transcript into another.
      const user = transcript.header.user ?? `u-${name.replace(/\.imap$/, '').replace(/[^a-z0-9]+/gi, '-')}`;
      const password = transcript.header.password ?? 'secret';
      if (!server.config.auth.size || !(await userExists(server, user))) await setPassword(server.config, user, password);
      const problems = await runTranscript(transcript, {
        port: server.port(),
        login: async (c) => {
          const r = await c.command('pre', `LOGIN "${user}" "${password}"`);
          if (!r.tagged.startsWith('pre OK')) throw new Error(`login failed: ${r.tagged}`);
        },
      });
      t.same(problems, [], 'transcript matches');
    });
  }
