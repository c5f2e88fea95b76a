// What every scenario shares: its command line (`--name value` options and `--flag`s), where
// it writes its results (`bench/results/<scenario>[-quick]-<time>.json`), and how it fails
// (the process exits non-zero when the scenario throws).

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);

/** The value after `--name` on the command line, or undefined. */
export const option = (name: string): string | undefined => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);

/** Whether `--name` is on the command line. */
export const flag = (name: string): boolean => argv.includes(name);

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');

/** `bench/results/<scenario>[-quick]-<time>.json`. */
export function resultPath(scenario: string, quick: boolean): string {
  return join(resultsDir, `${scenario}-${quick ? 'quick-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
}

/** Writes `data` as indented JSON to `file` (its folder made when missing) and says where. */
export function writeResult(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  console.log(`\nJSON: ${file}`);
}

/** Runs a scenario's main: an error is printed and sets a failing exit code. */
export function runScenario(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
