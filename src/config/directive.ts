// Small readers for one directive's arguments and for a block of sub-directives. They exist so
// that every module reports the same kind of mistake with the same wording and file:line.

import path from 'node:path';
import { ConfigError } from './errors.js';
import type { ConfigNode } from './parser.js';
import type { SourcePos } from './schema.js';
import { parseBoolean, parseDuration, parseSize } from './values.js';

export function posOf(node: ConfigNode): SourcePos {
  return { file: node.file, line: node.line };
}

/** Throws a {@link ConfigError} located at `node`. */
export function fail(node: ConfigNode, text: string): never {
  throw new ConfigError(text, posOf(node));
}

export function noBlock(node: ConfigNode): void {
  if (node.children.length > 0) fail(node, `${node.name} cannot have a block`);
}

/** Exactly one argument, no block. */
export function singleArg(node: ConfigNode): string {
  noBlock(node);
  if (node.args.length !== 1) fail(node, `${node.name} takes exactly one argument, got ${node.args.length}`);
  return node.args[0] as string;
}

/** One or more arguments, no block. */
export function argList(node: ConfigNode): string[] {
  noBlock(node);
  if (node.args.length === 0) fail(node, `${node.name} needs at least one argument`);
  return [...node.args];
}

/** A boolean in maddy's words; the directive alone (no argument) means yes, as in maddy. */
export function boolArg(node: ConfigNode): boolean {
  noBlock(node);
  if (node.args.length === 0) return true;
  if (node.args.length > 1) fail(node, `${node.name} takes one argument, yes or no`);
  const value = parseBoolean(node.args[0] as string);
  if (value === undefined) {
    fail(node, `${node.name}: expected yes or no, got ${JSON.stringify(node.args[0])}`);
  }
  return value;
}

/** A data size (`32M`); several arguments add up, as in maddy (`appendlimit 1M 512K`). */
export function sizeArg(node: ConfigNode): number {
  noBlock(node);
  if (node.args.length === 0) fail(node, `${node.name} needs a size, like 32M`);
  try {
    return parseSize(node.args.join(' '));
  } catch (err) {
    return fail(node, `${node.name}: ${(err as Error).message}`);
  }
}

/** A duration in Go's syntax, as maddy writes them (`720h`, `30m`), in ms. */
export function durationArg(node: ConfigNode): number {
  const text = singleArg(node);
  try {
    return parseDuration(text);
  } catch (err) {
    return fail(node, `${node.name}: ${(err as Error).message}`);
  }
}

/** The absolute directory of the file `node` was read from: the base for paths it names. */
export function dirOf(node: ConfigNode, cwd: string): string {
  return path.resolve(cwd, path.dirname(node.file));
}

/** `p` made absolute against `base` unless it already is. */
export function resolveAgainst(base: string, p: string): string {
  return path.resolve(base, p);
}

export type DirectiveHandler = (node: ConfigNode) => void;

/**
 * Runs `handlers[name]` for each sub-directive of `block`. A name without a handler is an error
 * (`unknown directive "tsl" in imap block`), and so is a directive given twice, since maddy
 * rejects duplicates too. `unsupported` maps maddy directives Gannet deliberately lacks to the
 * reason shown to the user.
 */
export function processBlock(
  block: ConfigNode,
  where: string,
  handlers: Record<string, DirectiveHandler>,
  unsupported: Record<string, string> = {},
): void {
  const seen = new Map<string, ConfigNode>();
  for (const child of block.children) {
    const handler = Object.hasOwn(handlers, child.name) ? handlers[child.name] : undefined;
    if (handler === undefined) {
      const why = Object.hasOwn(unsupported, child.name) ? unsupported[child.name] : undefined;
      if (why !== undefined) fail(child, `${child.name} in ${where} is not supported by Gannet: ${why}`);
      fail(child, `unknown directive ${JSON.stringify(child.name)} in ${where}`);
    }
    const earlier = seen.get(child.name);
    if (earlier !== undefined) {
      const first = earlier.file === child.file ? `line ${earlier.line}` : `${earlier.file}:${earlier.line}`;
      fail(child, `duplicate directive ${JSON.stringify(child.name)} in ${where} (first at ${first})`);
    }
    seen.set(child.name, child);
    handler(child);
  }
}
