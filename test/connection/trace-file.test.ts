// trace_transitions FILE never takes the server down: a file that cannot be opened for appending
// is a configuration error at start-up, naming it (through startGannet and through
// `gannet run`); a write that fails later is logged once, and the server goes on serving.

import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { startGannet } from '../../src/main.js';
import { DEFAULT_TEST_CONFIG, logSink, startTestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire-client.js';
import { runGannet } from '../helpers/cli.js';

const PASSWORD = 'Pw-trace-file-9d2b';

/** DEFAULT_TEST_CONFIG with `trace_transitions PATH` in its imap block (line 10 of the text). */
function configTracingTo(path: string, stateDir = '$STATE'): string {
  return DEFAULT_TEST_CONFIG.replace('    tls off', `    tls off\n    trace_transitions ${path}`).replaceAll('$STATE', stateDir);
}

/** Waits until `pred` holds, polling (log records are written asynchronously). */
async function until(pred: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('start-up fails with a config error naming a trace file that cannot be opened', async (t) => {
  const dir = t.testdir();
  const missing = join(dir, 'no-such-dir', 'trace.jsonl');
  const aDirectory = join(dir, 'a-directory');
  mkdirSync(aDirectory);
  for (const [path, reason] of [
    [missing, `ENOENT: no such file or directory, open '${missing}'`],
    [aDirectory, `EISDIR: illegal operation on a directory, open '${aDirectory}'`],
  ] as const) {
    const config = loadConfig({ text: configTracingTo(path, join(dir, 'state')), cwd: dir });
    const logs: Array<Record<string, unknown>> = [];
    await t.rejects(
      startGannet(config, { logStream: logSink(logs), acceptHandles: 1 }),
      { name: 'ConfigError', message: `${config.imap[0]!.source.file}:10: trace_transitions: ${reason}` },
      path,
    );
    t.notOk(
      logs.some((r) => r['msg'] === 'listening'),
      'no port is bound',
    );
  }
});

t.test('gannet run: the trace file error is printed and the process ends', async (t) => {
  const dir = t.testdir();
  const missing = join(dir, 'no-such-dir', 'trace.jsonl');
  const file = join(dir, 'gannet.conf');
  writeFileSync(file, configTracingTo(missing, dir).replace('log stderr', 'log off'));
  const run = await runGannet(['run', '--config', file]);
  t.equal(run.code, 1);
  t.equal(
    run.stderr,
    `gannet: ${file}:10: trace_transitions: ENOENT: no such file or directory, open '${missing}'\n`,
    'one line, as for any config error',
  );
});

t.test('a failed trace write is logged once and the server goes on', async (t) => {
  // /dev/full opens for appending and fails every write with ENOSPC: a disk that is full.
  const srv = await startTestServer({ users: { alice: PASSWORD }, config: configTracingTo('/dev/full') });
  t.teardown(() => srv.close());
  const failures = () => srv.logs.filter((r) => r['msg'] === 'trace_transitions: writing failed; transitions are no longer traced');
  const c = await WireClient.login(srv.port(), 'alice', PASSWORD);
  await until(() => failures().length > 0);
  t.same((await c.command('a1', 'NOOP')).tagged, 'a1 OK NOOP completed');
  t.same((await c.command('a2', 'LOGOUT')).tagged, 'a2 OK LOGOUT completed');
  const d = await WireClient.login(srv.port(), 'alice', PASSWORD);
  t.match((await d.command('b1', 'SELECT INBOX')).tagged, /^b1 OK /);
  d.close();
  t.equal(failures().length, 1, 'logged once');
  t.match(failures()[0], { level: 40, path: '/dev/full', err: { code: 'ENOSPC' } });
});
