// Reading passwords and confirmations for `gannet creds` and `gannet hash`: from a terminal
// without echo, or one line from a pipe (`echo secret | gannet creds create alice`).

import { StringDecoder } from 'node:string_decoder';
import type { CliContext } from './context.js';

/** Input ended or was cancelled before a complete answer; the command fails with this text. */
export class InputAbortedError extends Error {
  override name = 'InputAbortedError';
}

type RawCapable = { setRawMode(mode: boolean): unknown; isRaw?: boolean };

function rawCapable(stream: CliContext['stdin']): (CliContext['stdin'] & RawCapable) | undefined {
  const candidate = stream as CliContext['stdin'] & Partial<RawCapable>;
  return stream.isTTY === true && typeof candidate.setRawMode === 'function' ? (candidate as CliContext['stdin'] & RawCapable) : undefined;
}

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const BACKSPACE = '\u007f';
const CTRL_H = '\b';
const CTRL_U = '\u0015';

/**
 * Reads input one line at a time from a stream, keeping what arrives past a line end for the
 * next read (two pasted lines at the confirmation prompt). In raw mode it also does what the
 * terminal's line discipline would: Enter ends the line, Backspace/Ctrl-U edit it, Ctrl-C
 * cancels, Ctrl-D on an empty line is end of input.
 */
export class LineInput {
  #buffer = '';
  #ended = false;
  readonly #decoder = new StringDecoder('utf8');

  constructor(private readonly stream: CliContext['stdin']) {}

  /** The next line without its line end, or null at end of input. */
  async readLine(raw = false): Promise<string | null> {
    for (;;) {
      const line = raw ? this.#takeRawLine() : this.#takeCookedLine();
      if (line !== undefined) return line;
      if (this.#ended) {
        const rest = this.#buffer;
        this.#buffer = '';
        return rest === '' ? null : rest;
      }
      await this.#more();
    }
  }

  #takeCookedLine(): string | undefined {
    const nl = this.#buffer.indexOf('\n');
    if (nl < 0) return undefined;
    const line = this.#buffer.slice(0, nl).replace(/\r$/, '');
    this.#buffer = this.#buffer.slice(nl + 1);
    return line;
  }

  #takeRawLine(): string | undefined {
    let line = '';
    for (let i = 0; i < this.#buffer.length;) {
      const ch = String.fromCodePoint(this.#buffer.codePointAt(i) ?? 0);
      i += ch.length;
      if (ch === '\r' || ch === '\n') {
        // A terminal sends CR for Enter; swallow the LF of a pasted CRLF.
        if (ch === '\r' && this.#buffer[i] === '\n') i += 1;
        this.#buffer = this.#buffer.slice(i);
        return line;
      }
      if (ch === CTRL_C) {
        this.#buffer = '';
        throw new InputAbortedError('cancelled');
      }
      if (ch === CTRL_D) {
        if (line === '') {
          this.#buffer = '';
          this.#ended = true;
          return undefined;
        }
        continue;
      }
      if (ch === BACKSPACE || ch === CTRL_H) {
        line = Array.from(line).slice(0, -1).join('');
      } else if (ch === CTRL_U) {
        line = '';
      } else {
        line += ch;
      }
    }
    return undefined;
  }

  #more(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        this.stream.off('data', onData);
        this.stream.off('end', onEnd);
        this.stream.off('error', onError);
        // Stop the flow again so an idle stdin does not keep the process alive.
        this.stream.pause();
      };
      const onData = (chunk: Buffer | string): void => {
        cleanup();
        this.#buffer += typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
        resolve();
      };
      const onEnd = (): void => {
        cleanup();
        this.#buffer += this.#decoder.end();
        this.#ended = true;
        resolve();
      };
      const onError = (err: Error): void => {
        cleanup();
        reject(err);
      };
      this.stream.on('data', onData);
      this.stream.once('end', onEnd);
      this.stream.once('error', onError);
      this.stream.resume();
    });
  }
}

/**
 * Reads a password. On a terminal: prompts on stderr with echo off, and with `confirm` asks a
 * second time and requires both to match. Otherwise: reads one line of stdin, as scripts
 * pipe it.
 */
export async function readPassword(ctx: CliContext, input: LineInput, prompt: string, confirm: boolean): Promise<string> {
  const tty = rawCapable(ctx.stdin);
  if (tty === undefined) {
    const line = await input.readLine();
    if (line === null) throw new InputAbortedError('no password on standard input');
    return line;
  }
  const first = await promptHidden(ctx, tty, input, `${prompt}: `);
  if (!confirm) return first;
  const second = await promptHidden(ctx, tty, input, `${prompt} (again): `);
  if (first !== second) throw new InputAbortedError('the passwords do not match');
  return first;
}

async function promptHidden(ctx: CliContext, tty: CliContext['stdin'] & RawCapable, input: LineInput, prompt: string): Promise<string> {
  ctx.stderr.write(prompt);
  const wasRaw = tty.isRaw === true;
  tty.setRawMode(true);
  try {
    const line = await input.readLine(true);
    if (line === null) throw new InputAbortedError('no password entered');
    return line;
  } finally {
    tty.setRawMode(wasRaw);
    // Enter was not echoed either; end the prompt line ourselves.
    ctx.stderr.write('\n');
  }
}

/** Asks a yes/no question on stderr and reads the answer from stdin; only y/yes is yes. */
export async function confirmAction(ctx: CliContext, input: LineInput, question: string): Promise<boolean> {
  ctx.stderr.write(`${question} [y/N] `);
  const answer = await input.readLine();
  if (ctx.stdin.isTTY !== true) ctx.stderr.write('\n');
  return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
}
