// Password hashing and verification in maddy's pass_table storage formats, so a credential
// table written by Gannet can be read by maddy and the other way round.
//
// Stored forms (maddy internal/auth/pass_table/hash.go):
//   bcrypt:<modular crypt string>                 e.g. bcrypt:$2a$10$...
//   argon2:<time>:<memoryKiB>:<threads>:<salt>:<hash>
//       argon2id, version 0x13, 64-byte output, salt and hash in padded standard base64
//   sha256:<salt>:<hash>                          hash = SHA-256(salt || password), base64
// Also accepted for reading: a bare PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash, and
// the argon2i/argon2d variants) as other tools write it, and a bare bcrypt string.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashRaw, verify as verifyPhc, type Options as Argon2Options } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** Algorithms Gannet can hash new passwords with. */
export type HashAlgorithm = 'argon2' | 'bcrypt';

/** Default for new passwords: argon2id is memory-hard, which bcrypt is not. */
export const DEFAULT_HASH_ALGORITHM: HashAlgorithm = 'argon2';

/**
 * argon2id parameters for new passwords: OWASP's Password Storage Cheat Sheet recommends
 * m=19456 KiB (19 MiB), t=2, p=1 as the baseline. About 30-60 ms per login on a small VM and
 * 19 MiB per concurrent login, which a mail server can afford. They are stored with each hash,
 * so changing them later does not invalidate existing passwords.
 */
export const ARGON2_MEMORY_KIB = 19456;
export const ARGON2_TIME_COST = 2;
export const ARGON2_PARALLELISM = 1;

/** maddy always derives 64 bytes (`Argon2Size`) and compares the full length, so we must too. */
export const ARGON2_HASH_BYTES = 64;

/** maddy's `Argon2Salt`: 16 random bytes, the size RFC 9106 §3.1 recommends. */
export const ARGON2_SALT_BYTES = 16;

/** Go's `bcrypt.DefaultCost`, which maddy uses; 2^10 rounds is still ~50-100 ms in JS. */
export const BCRYPT_COST = 10;

/**
 * bcrypt only looks at the first 72 bytes of a password. Hashing refuses longer passwords
 * (as Go's bcrypt does since 2023) rather than silently ignoring the tail.
 */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

// Upper bounds for parameters read from a table. A typo such as an extra digit in the memory
// field would otherwise make every login allocate gigabytes; 4 GiB / 2^16 passes / 255 lanes
// are far beyond any sane setting and within what the argon2 library accepts.
const ARGON2_MAX_MEMORY_KIB = 4 * 1024 * 1024;
const ARGON2_MAX_TIME_COST = 65536;
const ARGON2_MAX_PARALLELISM = 255;

// @node-rs/argon2 declares `Algorithm` as a const enum, which `isolatedModules` cannot read;
// 2 is its Argon2id member.
const ALGORITHM_ARGON2ID = 2;

/** A stored hash that cannot be parsed: an operator error in the table, not a wrong password. */
export class MalformedHashError extends Error {
  override name = 'MalformedHashError';
}

/** Hashes a new password and returns the stored form, tag included (`argon2:...`). */
export async function hashPassword(password: string, algorithm: HashAlgorithm = DEFAULT_HASH_ALGORITHM): Promise<string> {
  if (algorithm === 'bcrypt') {
    if (Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_PASSWORD_BYTES) {
      throw new RangeError(`bcrypt cannot hash passwords longer than ${BCRYPT_MAX_PASSWORD_BYTES} bytes; use argon2`);
    }
    return `bcrypt:${await bcrypt.hash(password, BCRYPT_COST)}`;
  }
  const salt = randomBytes(ARGON2_SALT_BYTES);
  const hash = await argon2id(password, salt, ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, ARGON2_HASH_BYTES);
  return ['argon2', ARGON2_TIME_COST, ARGON2_MEMORY_KIB, ARGON2_PARALLELISM, salt.toString('base64'), hash.toString('base64')].join(':');
}

/**
 * Checks a password against a stored hash in any supported format.
 * Resolves false for a wrong password; rejects with {@link MalformedHashError} when the stored
 * value cannot be parsed or names an unknown algorithm.
 */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (stored.startsWith('$argon2')) return verifyPhcArgon2(stored, password);
  if (/^\$2[aby]?\$/.test(stored)) return verifyBcrypt(stored, password);

  const colon = stored.indexOf(':');
  if (colon < 0) throw new MalformedHashError('stored hash has no algorithm tag');
  const tag = stored.slice(0, colon);
  const rest = stored.slice(colon + 1);
  switch (tag) {
    case 'bcrypt':
      return verifyBcrypt(rest, password);
    case 'argon2':
      return verifyMaddyArgon2(rest, password);
    case 'sha256':
      return verifySha256(rest, password);
    default:
      throw new MalformedHashError(`unknown hash algorithm '${tag}'`);
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends about the time of one real verification with the default parameters and returns false.
 * Used for unknown users, so that they cost the same as a wrong password.
 */
export async function verifyDummy(password: string): Promise<false> {
  // Hashed lazily once per process from random bytes: no password can ever match it.
  dummyHash ??= hashPassword(randomBytes(24).toString('base64'));
  await verifyPassword(await dummyHash, password);
  return false;
}

async function argon2id(
  password: string,
  salt: Buffer,
  timeCost: number,
  memoryCost: number,
  parallelism: number,
  outputLen: number,
): Promise<Buffer> {
  const options: Argon2Options = {
    algorithm: ALGORITHM_ARGON2ID,
    timeCost,
    memoryCost,
    parallelism,
    outputLen,
    salt,
  };
  return hashRaw(password, options);
}

async function verifyMaddyArgon2(encoded: string, password: string): Promise<boolean> {
  const parts = encoded.split(':');
  if (parts.length !== 5) throw new MalformedHashError('argon2 hash must be time:memory:threads:salt:hash');
  const [timeText, memoryText, threadsText, saltText, hashText] = parts as [string, string, string, string, string];
  const timeCost = parseBoundedInt(timeText, 1, ARGON2_MAX_TIME_COST, 'argon2 time');
  const memoryCost = parseBoundedInt(memoryText, 1, ARGON2_MAX_MEMORY_KIB, 'argon2 memory');
  const parallelism = parseBoundedInt(threadsText, 1, ARGON2_MAX_PARALLELISM, 'argon2 threads');
  // RFC 9106 §3.1: at least 8 KiB per lane. maddy never writes less; refuse rather than guess.
  if (memoryCost < 8 * parallelism) throw new MalformedHashError('argon2 memory is below 8 KiB per thread');
  const salt = decodeBase64(saltText, 'argon2 salt');
  const expected = decodeBase64(hashText, 'argon2 hash');
  if (salt.length < 8) throw new MalformedHashError('argon2 salt is shorter than 8 bytes');
  if (expected.length !== ARGON2_HASH_BYTES) {
    throw new MalformedHashError(`argon2 hash must be ${ARGON2_HASH_BYTES} bytes, as maddy writes it`);
  }
  const actual = await argon2id(password, salt, timeCost, memoryCost, parallelism, ARGON2_HASH_BYTES);
  return timingSafeEqual(actual, expected);
}

async function verifyPhcArgon2(encoded: string, password: string): Promise<boolean> {
  try {
    // The library parses the parameters from the string and compares in constant time.
    return await verifyPhc(encoded, password);
  } catch (err) {
    throw new MalformedHashError('cannot parse PHC argon2 string', { cause: err });
  }
}

async function verifyBcrypt(encoded: string, password: string): Promise<boolean> {
  if (!/^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/.test(encoded)) {
    throw new MalformedHashError('bcrypt hash is not a $2a$/$2b$/$2y$ modular crypt string');
  }
  // Re-hash with the stored salt and compare ourselves, so the comparison is constant-time
  // regardless of how the library compares strings.
  let actual: string;
  try {
    actual = await bcrypt.hash(password, encoded.slice(0, 29));
  } catch (err) {
    throw new MalformedHashError('bcrypt hash has an invalid salt or cost', { cause: err });
  }
  return constantTimeStringEqual(actual, encoded);
}

function verifySha256(encoded: string, password: string): boolean {
  const parts = encoded.split(':');
  if (parts.length !== 2) throw new MalformedHashError('sha256 hash must be salt:hash');
  const salt = decodeBase64(parts[0] ?? '', 'sha256 salt');
  const expected = decodeBase64(parts[1] ?? '', 'sha256 hash');
  if (expected.length !== 32) throw new MalformedHashError('sha256 hash must be 32 bytes');
  const actual = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return timingSafeEqual(actual, expected);
}

function constantTimeStringEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // The length of a hash is not secret; timingSafeEqual requires equal lengths.
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseBoundedInt(text: string, min: number, max: number, what: string): number {
  if (!/^\d{1,10}$/.test(text)) throw new MalformedHashError(`${what} is not a number`);
  const value = Number(text);
  if (value < min || value > max) throw new MalformedHashError(`${what} ${value} is outside ${min}..${max}`);
  return value;
}

// Node's base64 decoder skips invalid characters silently; check the alphabet first so a
// damaged table is reported instead of producing a hash that never matches.
function decodeBase64(text: string, what: string): Buffer {
  if (text.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) {
    throw new MalformedHashError(`${what} is not base64`);
  }
  return Buffer.from(text, 'base64');
}
