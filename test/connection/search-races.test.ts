// SEARCH while other sessions write to the same mailbox, with the text index building in the
// background meanwhile: whatever is indexed or not yet, each answer is exact for the moment it
// is given (RFC 3501 §6.4.4, §7.4.1):
//   - a message whose APPEND completed before the SEARCH was sent is found by its text, whether
//     it is in a segment yet or not, and by its flags;
//   - a STORE by another session is seen by the next SEARCH of flag keys (the columns follow);
//   - messages expunged by another session stop matching once this session has been told.

import t from 'tap';
import { startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';

const srv = await startTestServer({ users: { alice: 'secret' } });
t.teardown(() => srv.close());

const session = (): Promise<WireClient> => WireClient.login(srv.port(), 'alice', 'secret');

function searched(lines: string[]): number[] {
  const line = lines.find((l) => l.startsWith('* SEARCH'));
  if (line === undefined) throw new Error(`no SEARCH in ${JSON.stringify(lines)}`);
  return line
    .slice('* SEARCH'.length)
    .trim()
    .split(' ')
    .filter((x) => x !== '')
    .map(Number);
}

async function append(c: WireClient, text: string, flags = ''): Promise<number> {
  c.write(`ap APPEND INBOX (${flags}) {${Buffer.byteLength(text)}+}\r\n${text}\r\n`);
  const r = await c.readTagged('ap');
  return Number(/APPENDUID \d+ (\d+)/.exec(r.tagged)?.[1]);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

t.test('APPENDs racing SEARCHes: every stored message is found, indexed or not', async (t) => {
  const [writer, searcher, flagger] = await Promise.all([session(), session(), session()]);
  t.teardown(() => {
    for (const c of [writer, searcher, flagger]) c.close();
  });
  await searcher.command('s', 'SELECT INBOX');
  await flagger.command('s', 'SELECT INBOX');
  const uids: number[] = [];
  // Three rounds: each ends with a pause long enough for the indexer to cover what came before,
  // so later rounds search a mailbox partly in segments and partly not.
  for (let round = 0; round < 3; round++) {
    const writes = (async () => {
      for (let i = 0; i < 40; i++) {
        const n = round * 40 + i;
        uids.push(await append(writer, `Subject: note ${n}\r\n\r\nshared-word and unique${n}x\r\n`));
      }
    })();
    // Searches while the writes run: each answer holds at least what was stored before the NOOP
    // that told the session of it (RFC 3501 §7.3.1: new messages are announced, then searched).
    while (uids.length < (round + 1) * 40) {
      const known = uids.length;
      await searcher.command('n', 'NOOP');
      const r = await searcher.command('q', 'UID SEARCH BODY shared-word');
      const got = searched(r.untagged);
      const mustHave = uids.slice(0, known);
      if (!mustHave.every((u) => got.includes(u))) {
        t.fail(`SEARCH lost a stored message: ${JSON.stringify(mustHave.filter((u) => !got.includes(u)))}`);
        break;
      }
    }
    await writes;
    await new Promise((r) => setTimeout(r, 400));
  }
  await searcher.command('n', 'NOOP');
  t.same(searched((await searcher.command('q', 'UID SEARCH BODY shared-word')).untagged), uids, 'all 120, in order');
  t.same(searched((await searcher.command('q', 'UID SEARCH BODY unique77x')).untagged), [uids[77]!], 'a single message by its unique word');
  await srv.server.textIndexIdle();
  t.same(searched((await searcher.command('q', 'UID SEARCH TEXT "NOTE 5"')).untagged), [uids[5]!, ...range(50, 59).map((i) => uids[i]!)]);

  // Flags from another session, seen by the next SEARCH of flag keys.
  await flagger.command('n', 'NOOP');
  await flagger.command('f', `UID STORE ${uids[3]}:${uids[9]} +FLAGS.SILENT (\\Seen $Important)`);
  await searcher.command('n', 'NOOP');
  const unseen = searched((await searcher.command('q', 'UID SEARCH UNSEEN')).untagged);
  t.same(unseen, [...uids.slice(0, 3), ...uids.slice(10)], 'UNSEEN after another session’s STORE');
  t.same(searched((await searcher.command('q', 'UID SEARCH KEYWORD $important BODY shared-word')).untagged), uids.slice(3, 10));

  // Expunges from another session: once told (EXPUNGE responses), the messages are gone.
  await flagger.command('f', `UID STORE 1:${uids[19]} +FLAGS.SILENT (\\Deleted)`);
  await flagger.command('e', 'EXPUNGE');
  const told = await searcher.command('n', 'NOOP');
  t.equal(told.untagged.filter((l) => / EXPUNGE$/.test(l)).length, 20);
  t.same(searched((await searcher.command('q', 'UID SEARCH BODY shared-word')).untagged), uids.slice(20));
  t.same(searched((await searcher.command('q', 'SEARCH BODY shared-word')).untagged), range(1, 100), 'sequence numbers renumbered');
  await srv.server.textIndexIdle();
  t.same(searched((await searcher.command('q', 'UID SEARCH BODY unique5x')).untagged), [], 'an expunged message is never found again');
  t.same(searched((await searcher.command('q', 'UID SEARCH BODY unique25x')).untagged), [uids[25]!]);
});
