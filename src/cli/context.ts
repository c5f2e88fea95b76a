// What a CLI subcommand gets from the `gannet` dispatcher: the loaded configuration and the
// three standard streams (injected, so commands run end to end in tests).

import type { GannetConfig } from '../config/schema.js';

export interface CliContext {
  config: GannetConfig;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Exit statuses shared by the subcommands. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
