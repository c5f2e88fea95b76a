// maddy's configuration language → a tree of directives (maddy-config(5)). Parsing is two steps:
// the text of one file becomes raw nodes, then imports, snippets, macros and `{env:NAME}`
// placeholders are expanded in file order, so the loader only ever sees plain directives.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

/**
 * One directive: `name arg… { children… }`. `children` is empty both for a directive without a
 * block and for an empty block; maddy treats the two alike.
 */
export interface ConfigNode {
  name: string;
  args: string[];
  children: ConfigNode[];
  /** The file as the user wrote it (imports: joined to the importing file's directory). */
  file: string;
  line: number;
}

/** A directive before expansion: snippet and macro declarations are still present. */
interface RawNode {
  kind: 'directive' | 'snippet' | 'macro';
  name: string;
  args: string[];
  children: RawNode[];
  file: string;
  line: number;
}

// Deep nesting is never needed by a real configuration; the limits stop runaway recursion
// (a pathological file, or snippets importing each other through files) with a clear message.
const MAX_NESTING = 64;
const MAX_IMPORT_DEPTH = 64;

// maddy allows letters, digits, '.', '-' and '_' in directive names, not starting with a digit.
const DIRECTIVE_NAME = /^(?!\p{N})[\p{L}\p{N}._-]+$/u;

function isBare(tok: Token | undefined, text: string): boolean {
  return tok !== undefined && !tok.quoted && tok.text === text;
}

class RawParser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  parseFile(): RawNode[] {
    return this.parseBlock(0, undefined);
  }

  private err(text: string, line: number): ConfigError {
    return new ConfigError(text, { file: this.file, line });
  }

  /** Reads directives up to the `}` matching `opener` (or to the end of the file at top level). */
  private parseBlock(depth: number, opener: Token | undefined): RawNode[] {
    const nodes: RawNode[] = [];
    for (;;) {
      const tok = this.tokens[this.i];
      if (tok === undefined) {
        if (opener) throw this.err('missing } for the block opened here', opener.line);
        return nodes;
      }
      if (isBare(tok, '}')) {
        if (!opener) throw this.err('unexpected }', tok.line);
        this.i++;
        return nodes;
      }
      if (isBare(tok, '{')) throw this.err('unexpected {: a block needs a directive name before it', tok.line);
      const node = this.parseDirective(depth);
      if (node.kind !== 'directive' && depth > 0) {
        throw this.err(`${node.kind} declarations are only allowed at top level`, node.line);
      }
      nodes.push(node);
    }
  }

  /** One logical line: name, arguments (continued over `\` line ends), and an optional block. */
  private parseDirective(depth: number): RawNode {
    const nameTok = this.tokens[this.i++] as Token;
    const node: RawNode = {
      kind: 'directive',
      name: nameTok.text,
      args: [],
      children: [],
      file: this.file,
      line: nameTok.line,
    };
    let lineNow = nameTok.endLine;
    for (;;) {
      const tok = this.tokens[this.i];
      if (tok === undefined || tok.line !== lineNow) break;
      // `a { b c }`: the brace closes the enclosing block; leave it for parseBlock.
      if (isBare(tok, '}')) break;
      if (isBare(tok, '{')) {
        if (depth + 1 > MAX_NESTING) throw this.err('blocks are nested too deeply', tok.line);
        this.i++;
        node.children = this.parseBlock(depth + 1, tok);
        const close = this.tokens[this.i - 1] as Token;
        const next = this.tokens[this.i];
        if (next !== undefined && next.line === close.endLine && !isBare(next, '}')) {
          throw this.err('a newline is required after a closing brace', close.line);
        }
        break;
      }
      this.i++;
      const next = this.tokens[this.i];
      if (isBare(tok, '\\') && (next === undefined || next.line !== tok.endLine)) {
        // Line continuation: the directive goes on with the next line's words.
        if (next !== undefined) lineNow = next.line;
        continue;
      }
      node.args.push(tok.text);
      lineNow = tok.endLine;
    }
    this.classify(node, nameTok);
    return node;
  }

  private classify(node: RawNode, nameTok: Token): void {
    const name = node.name;
    if (!nameTok.quoted && name.startsWith('$(')) {
      if (!name.endsWith(')') || name.length < 4) throw this.err(`bad macro name ${name}: expected $(name)`, node.line);
      if (node.args[0] !== '=' || node.args.length < 2) {
        throw this.err(`macro declaration must look like ${name} = value…`, node.line);
      }
      if (node.children.length > 0) throw this.err('a macro declaration cannot have a block', node.line);
      node.kind = 'macro';
      node.name = name.slice(2, -1);
      node.args = node.args.slice(1);
      return;
    }
    if (!nameTok.quoted && name.length > 2 && name.startsWith('(') && name.endsWith(')')) {
      if (node.args.length > 0) throw this.err(`snippet declaration ${name} cannot have arguments`, node.line);
      node.kind = 'snippet';
      node.name = name.slice(1, -1);
      return;
    }
    if (name === '') throw this.err('empty directive name', node.line);
    if (!DIRECTIVE_NAME.test(name)) throw this.err(`invalid directive name ${JSON.stringify(name)}`, node.line);
  }
}

/** Parses the text of one file; snippets, macros and imports are left unexpanded. */
function parseRaw(text: string, file: string): RawNode[] {
  return new RawParser(tokenize(text, file), file).parseFile();
}

// ---------------------------------------------------------------------------------------------
// Expansion

interface ExpandContext {
  env: NodeJS.ProcessEnv;
  cwd: string;
  snippets: Map<string, RawNode[]>;
  macros: Map<string, string[]>;
  /** Files (absolute) and snippets (`(name)`) being expanded, outermost first: cycle detection. */
  stack: string[];
  /** Absolute paths of every file read. */
  files: string[];
}

const ENV_PLACEHOLDER = /\{env:([^{}$]+)\}/g;
const ENV_SPLIT = /^\{env_split:([^{}$]+)\}$/;
const MACRO_IN_STRING = /\$\(([^$()]+)\)/g;

function nodeErr(node: { file: string; line: number }, text: string): ConfigError {
  return new ConfigError(text, { file: node.file, line: node.line });
}

/** `{env:NAME}` → the variable's value; an unset variable becomes the empty string (maddy). */
function substituteEnv(s: string, env: NodeJS.ProcessEnv): string {
  return s.replace(ENV_PLACEHOLDER, (_, name: string) => env[name] ?? '');
}

function expandArgs(node: RawNode, ctx: ExpandContext): string[] {
  const out: string[] = [];
  for (const arg of node.args) {
    // A whole-argument macro splices all its values; an undefined one expands to nothing.
    if (arg.startsWith('$(') && arg.endsWith(')') && arg.indexOf(')') === arg.length - 1) {
      // Stored values were already expanded when the macro was declared.
      out.push(...(ctx.macros.get(arg.slice(2, -1)) ?? []));
      continue;
    }
    let s = arg;
    if (s.includes('$(')) {
      s = s.replace(MACRO_IN_STRING, (_, name: string) => {
        const values = ctx.macros.get(name) ?? [];
        if (values.length > 1) {
          throw nodeErr(node, `macro $(${name}) has several values and cannot be used inside a string`);
        }
        return values[0] ?? '';
      });
    }
    out.push(...expandEnvArg(s, ctx.env));
  }
  return out;
}

/** `{env_split:NAME}` as a whole argument becomes one argument per comma-separated value. */
function expandEnvArg(arg: string, env: NodeJS.ProcessEnv): string[] {
  const split = ENV_SPLIT.exec(arg);
  if (split) {
    const value = env[split[1] as string];
    if (value !== undefined) return value.split(',');
  }
  return [substituteEnv(arg, env)];
}

function registerSnippets(nodes: RawNode[], ctx: ExpandContext): void {
  // A file's snippets are usable anywhere in it, even above their declaration (as in maddy).
  for (const n of nodes) if (n.kind === 'snippet') ctx.snippets.set(n.name, n.children);
}

function expandList(nodes: RawNode[], ctx: ExpandContext, depth: number): ConfigNode[] {
  const out: ConfigNode[] = [];
  for (const node of nodes) {
    if (node.kind === 'snippet') continue;
    if (node.kind === 'macro') {
      // A declaration may use earlier macros; its values are expanded once, here.
      ctx.macros.set(node.name, expandArgs(node, ctx));
      continue;
    }
    if (node.name === 'import') {
      out.push(...expandImport(node, ctx, depth));
      continue;
    }
    out.push({
      name: substituteEnv(node.name, ctx.env),
      args: expandArgs(node, ctx),
      children: expandList(node.children, ctx, depth),
      file: node.file,
      line: node.line,
    });
  }
  return out;
}

function cycleText(stack: string[], next: string): string {
  return [...stack, next].map((s) => (s.startsWith('(') ? s : path.basename(s))).join(' -> ');
}

function expandImport(node: RawNode, ctx: ExpandContext, depth: number): ConfigNode[] {
  const args = expandArgs(node, ctx);
  if (args.length !== 1 || node.children.length > 0) {
    throw nodeErr(node, 'import takes exactly one argument: a snippet name or a file path');
  }
  if (depth >= MAX_IMPORT_DEPTH) throw nodeErr(node, 'imports are nested too deeply');
  const target = args[0] as string;

  // A snippet wins over a file of the same name (maddy-config(5)).
  const snippet = ctx.snippets.get(target);
  if (snippet !== undefined) {
    const key = `(${target})`;
    if (ctx.stack.includes(key)) throw nodeErr(node, `import cycle: ${cycleText(ctx.stack, key)}`);
    ctx.stack.push(key);
    try {
      return expandList(snippet, ctx, depth + 1);
    } finally {
      ctx.stack.pop();
    }
  }

  // Relative imports are relative to the importing file, not to the working directory.
  const shown = path.isAbsolute(target) ? target : path.join(path.dirname(node.file), target);
  let file = shown;
  let abs = path.resolve(ctx.cwd, shown);
  let st = statOrUndefined(abs);
  if (st === undefined) {
    // maddy also tries NAME.conf, so `import tls` finds tls.conf.
    st = statOrUndefined(`${abs}.conf`);
    if (st !== undefined) {
      file = `${shown}.conf`;
      abs = `${abs}.conf`;
    }
  }
  if (st === undefined) throw nodeErr(node, `import ${JSON.stringify(target)}: no such snippet or file`);
  if (st.isDirectory()) throw nodeErr(node, `import ${JSON.stringify(target)}: is a directory, not a file`);
  if (ctx.stack.includes(abs)) throw nodeErr(node, `import cycle: ${cycleText(ctx.stack, abs)}`);

  const text = readText(abs, node);
  const raw = parseRaw(text, file);
  if (!ctx.files.includes(abs)) ctx.files.push(abs);
  registerSnippets(raw, ctx);
  ctx.stack.push(abs);
  try {
    return expandList(raw, ctx, depth + 1);
  } finally {
    ctx.stack.pop();
  }
}

function statOrUndefined(p: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

function readText(abs: string, at?: { file: string; line: number }): string {
  try {
    return readFileSync(abs, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`cannot read ${abs}: ${reason}`, at, { cause: err });
  }
}

/** Where to read the configuration from; see {@link readConfigTree}. */
export interface ReadTreeOptions {
  /** The configuration file; with `text`, only its name (for messages and relative imports). */
  file?: string;
  /** With `text` and no `file`: the name messages use (default `<config>`); nothing is on disk. */
  name?: string;
  /** The configuration text itself. */
  text?: string;
  /** Variables for `{env:NAME}`; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Base for a relative `file`; default `process.cwd()`. */
  cwd?: string;
}

/** The expanded directive tree of a configuration and the files it came from. */
export interface ConfigTree {
  nodes: ConfigNode[];
  /** The main file's name as used in messages (`<config>` for text without a file name). */
  file: string;
  /** Absolute directory that relative paths in the main file are resolved against. */
  dir: string;
  /** Absolute paths of the main file (when read from disk or named) and every imported file. */
  files: string[];
}

/** The name messages use for configuration text that came without a file name. */
export const TEXT_CONFIG_NAME = '<config>';

/**
 * Reads and parses a configuration, expanding imports, snippets, macros and environment
 * placeholders. Throws {@link ConfigError} with `FILE:LINE:` on any syntax problem.
 */
export function readConfigTree(opts: ReadTreeOptions): ConfigTree {
  const cwd = opts.cwd ?? process.cwd();
  const file = opts.file ?? opts.name ?? TEXT_CONFIG_NAME;
  const abs = opts.file !== undefined ? path.resolve(cwd, opts.file) : undefined;
  let text = opts.text;
  if (text === undefined) {
    if (abs === undefined) throw new ConfigError('no configuration file or text given');
    const st = statOrUndefined(abs);
    if (st === undefined) throw new ConfigError(`configuration file ${file} does not exist`);
    if (st.isDirectory()) throw new ConfigError(`configuration file ${file} is a directory`);
    text = readText(abs);
  }
  const ctx: ExpandContext = {
    env: opts.env ?? process.env,
    cwd,
    snippets: new Map(),
    macros: new Map(),
    stack: abs !== undefined ? [abs] : [],
    files: abs !== undefined ? [abs] : [],
  };
  const raw = parseRaw(text, file);
  registerSnippets(raw, ctx);
  const nodes = expandList(raw, ctx, 0);
  return { nodes, file, dir: abs !== undefined ? path.dirname(abs) : cwd, files: ctx.files };
}
