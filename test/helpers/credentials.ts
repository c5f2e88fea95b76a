// Creates users through the real `gannet creds` code path, as an operator would.

import { PassThrough } from 'node:stream';
import type { GannetConfig } from '../../src/config/schema.js';
import { credsCommand } from '../../src/cli/creds.js';

export async function setPassword(config: GannetConfig, user: string, password: string): Promise<void> {
  const stdin = new PassThrough();
  stdin.end();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errText = '';
  stderr.on('data', (d: Buffer) => (errText += d.toString()));
  stdout.resume();
  const code = await credsCommand(['create', '--password', password, user], { config, stdin, stdout, stderr });
  if (code !== 0) throw new Error(`creds create ${user} failed (${code}): ${errText}`);
}
