// IMAP filters (maddy-imap-filters(5), imap.filter.command): argument expansion, reading a
// filter's output, and combining several filters. Running the command is the worker's job
// (workers/filter.ts); this module is pure, so its rules are tested without processes.

import type { ImapFilterConfig } from '../config/schema.js';
import { checkMailboxName } from '../storage/names.js';
import { parseRequestedFlags } from '../storage/flags.js';

/** Values for the `{placeholder}`s of filter arguments. */
export interface PlaceholderValues {
  source_ip: string;
  source_host: string;
  source_rdns: string;
  msg_id: string;
  auth_user: string;
  sender: string;
  rcpt_to: string;
  original_rcpt_to: string;
  /** The address being filtered for: the recipient, as check.command's {address}. */
  address: string;
  subject: string;
  account_name: string;
}

// maddy's pattern: the shortest `{word}`. Unknown names are left as written.
const PLACEHOLDER = /\{([a-zA-Z0-9_]+?)\}/g;

/**
 * Expands the placeholders of each argument in one pass over the template, so text that a
 * value brings in (a Subject containing `{account_name}` or `$(…)`) is never expanded again,
 * and each argument stays exactly one argv entry: nothing here or in the worker passes
 * through a shell. The executable is not expanded at all (maddy-imap-filters(5)). NUL cannot
 * be part of an argv entry, so it is dropped from values.
 */
export function expandArgs(templates: readonly string[], values: PlaceholderValues): string[] {
  return templates.map((arg) =>
    arg.replace(PLACEHOLDER, (whole, name: string) =>
      Object.hasOwn(values, name) ? values[name as keyof PlaceholderValues].replaceAll('\u0000', '') : whole,
    ),
  );
}

/** What one filter's standard output asks for, with the lines it had to skip. */
export interface FilterDecision {
  /** A valid destination folder, or null to leave the destination alone. */
  folder: string | null;
  flags: string[];
  /** Human-readable reasons for every ignored line. */
  warnings: string[];
}

/**
 * Reads a filter's output (maddy-imap-filters(5)): the first line, if not empty, names the
 * folder; every other non-empty line is a flag to add. No output changes nothing. Beyond
 * maddy: an invalid folder name (empty level, wildcard, control character) or flag is
 * skipped with a warning instead of failing the delivery.
 */
export function parseFilterOutput(stdout: string): FilterDecision {
  const decision: FilterDecision = { folder: null, flags: [], warnings: [] };
  if (stdout === '') return decision;
  const lines = stdout.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (lines[lines.length - 1] === '') lines.pop();
  const [first, ...rest] = lines;
  if (first !== undefined && first !== '') {
    try {
      decision.folder = checkMailboxName(first);
    } catch (err) {
      decision.warnings.push(`invalid folder ${JSON.stringify(first)}: ${(err as Error).message}`);
    }
  }
  for (const line of rest) {
    const flag = line.trim();
    if (flag === '') continue;
    try {
      const parsed = parseRequestedFlags([flag]);
      if (parsed.system.size === 0 && parsed.keywords.length === 0) {
        decision.warnings.push(`flag ${JSON.stringify(flag)} cannot be set`);
        continue;
      }
      decision.flags.push(...parsed.system, ...parsed.keywords);
    } catch (err) {
      decision.warnings.push(`invalid flag ${JSON.stringify(flag)}: ${(err as Error).message}`);
    }
  }
  return decision;
}

/** Several filters' decisions combined: the first folder wins, the flags of all are added. */
export function combineDecisions(decisions: readonly FilterDecision[]): { folder: string | null; flags: string[] } {
  let folder: string | null = null;
  const flags: string[] = [];
  const seen = new Set<string>();
  for (const d of decisions) {
    folder ??= d.folder;
    for (const f of d.flags) {
      const key = f.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      flags.push(f);
    }
  }
  return { folder, flags };
}

/** A short name of a filter for log records: `command /path (gannet.conf:12)`. */
export function filterName(f: ImapFilterConfig): string {
  return `command ${f.executable} (${f.source.file}:${f.source.line})`;
}
