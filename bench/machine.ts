// The machine a bench ran on, recorded with every result: figures from different machines (or
// Dovecot versions) are not comparable, and the JSON must say which one produced them.

import { execFileSync } from 'node:child_process';
import { cpus, release, totalmem } from 'node:os';

import { DOVECOT_BIN } from './dovecot-server.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  /** `dovecot --version`, or why there is none. */
  dovecot: string;
}

export function machineInfo(dovecotRan = true): MachineInfo {
  let dovecot = 'not run';
  if (dovecotRan) {
    try {
      dovecot = execFileSync(DOVECOT_BIN, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      dovecot = 'not installed';
    }
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    dovecot,
  };
}
