// The `tls` directive (maddy-tls(5), server side): `tls CERT KEY`, `tls file CERT KEY`,
// `tls off`, and the block forms with `loader`, `protocols`, `ciphers` and `curve`. Only the
// `file` certificate loader exists in Gannet. The files are not opened here: the TLS code reads
// them, so loading a configuration stays free of side effects.

import { getCiphers } from 'node:tls';
import { dirOf, fail, noBlock, posOf, processBlock, resolveAgainst } from './directive.js';
import type { ConfigNode } from './parser.js';
import type { TlsConfig, TlsVersion } from './schema.js';

const VERSIONS: Record<string, TlsVersion> = {
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
};
const VERSION_ORDER: TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * The TLS 1.0–1.2 cipher suites maddy-tls(5) lists, by maddy's name, with the IANA name (as Go
 * spells its constants) and the OpenSSL name node needs. TLS 1.3 suites are not configurable in
 * maddy either ("Not used with TLS 1.3").
 */
const CIPHERS: ReadonlyArray<readonly [maddy: string, iana: string, openssl: string]> = [
  ['RSA-WITH-RC4128-SHA', 'TLS_RSA_WITH_RC4_128_SHA', 'RC4-SHA'],
  ['RSA-WITH-3DES-EDE-CBC-SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'DES-CBC3-SHA'],
  ['RSA-WITH-AES128-CBC-SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
  ['RSA-WITH-AES256-CBC-SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['RSA-WITH-AES128-CBC-SHA256', 'TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['RSA-WITH-AES128-GCM-SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['RSA-WITH-AES256-GCM-SHA384', 'TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['ECDHE-ECDSA-WITH-RC4128-SHA', 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'ECDHE-ECDSA-RC4-SHA'],
  ['ECDHE-ECDSA-WITH-AES128-CBC-SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['ECDHE-ECDSA-WITH-AES256-CBC-SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['ECDHE-RSA-WITH-RC4128-SHA', 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'ECDHE-RSA-RC4-SHA'],
  ['ECDHE-RSA-WITH-3DES-EDE-CBC-SHA', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA', 'ECDHE-RSA-DES-CBC3-SHA'],
  ['ECDHE-RSA-WITH-AES128-CBC-SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['ECDHE-RSA-WITH-AES256-CBC-SHA', 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['ECDHE-ECDSA-WITH-AES128-CBC-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['ECDHE-RSA-WITH-AES128-CBC-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['ECDHE-RSA-WITH-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['ECDHE-ECDSA-WITH-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['ECDHE-RSA-WITH-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['ECDHE-ECDSA-WITH-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['ECDHE-RSA-WITH-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['ECDHE-ECDSA-WITH-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
];

const CIPHER_BY_NAME = new Map<string, string>();
for (const [maddy, iana, openssl] of CIPHERS) {
  CIPHER_BY_NAME.set(maddy, openssl);
  CIPHER_BY_NAME.set(iana, openssl);
  // Go names the ChaCha20 suites without the _SHA256 suffix; accept that spelling too.
  if (iana.endsWith('_POLY1305_SHA256')) CIPHER_BY_NAME.set(iana.slice(0, -'_SHA256'.length), openssl);
}

/** maddy's curve names → the names node's `ecdhCurve` (OpenSSL) expects. */
const CURVES: Record<string, string> = {
  X25519: 'X25519',
  p256: 'prime256v1',
  p384: 'secp384r1',
  p521: 'secp521r1',
};

/** Maps maddy or IANA cipher suite names to an OpenSSL cipher list; throws on unknown names. */
export function mapCiphers(node: ConfigNode): string {
  noBlock(node);
  if (node.args.length === 0) fail(node, 'ciphers needs at least one cipher suite name');
  // OpenSSL 3 builds drop some old suites (RC4, 3DES); say so now rather than at the first handshake.
  const available = new Set(getCiphers());
  return node.args
    .map((name) => {
      const openssl = CIPHER_BY_NAME.get(name);
      if (openssl === undefined) fail(node, `unknown cipher ${JSON.stringify(name)}`);
      if (!available.has(openssl.toLowerCase())) {
        fail(node, `cipher ${name} is not available in this Node.js build's OpenSSL`);
      }
      return openssl;
    })
    .join(':');
}

function mapCurves(node: ConfigNode): string {
  noBlock(node);
  if (node.args.length === 0) fail(node, `${node.name} needs at least one curve name`);
  return node.args
    .map((name) => {
      const curve = Object.hasOwn(CURVES, name) ? CURVES[name] : undefined;
      if (curve === undefined) fail(node, `unknown curve ${JSON.stringify(name)}: use X25519, p256, p384 or p521`);
      return curve;
    })
    .join(':');
}

function mapVersions(node: ConfigNode): [TlsVersion, TlsVersion] {
  noBlock(node);
  if (node.args.length !== 1 && node.args.length !== 2) {
    fail(node, 'protocols takes a minimum and an optional maximum version, like tls1.2 tls1.3');
  }
  const versions = node.args.map((v) => {
    const version = Object.hasOwn(VERSIONS, v) ? VERSIONS[v] : undefined;
    if (version === undefined) fail(node, `invalid TLS version ${JSON.stringify(v)}: use tls1.0, tls1.1, tls1.2 or tls1.3`);
    return version;
  });
  // One version means "only this one" (maddy-tls(5)).
  const min = versions[0] as TlsVersion;
  const max = versions[1] ?? min;
  if (VERSION_ORDER.indexOf(min) > VERSION_ORDER.indexOf(max)) {
    fail(node, `minimum TLS version ${node.args[0]} is above the maximum ${node.args[1]}`);
  }
  return [min, max];
}

/** The certificate/key pair of a loader given as arguments: `file CERT KEY` or `CERT KEY`. */
function loaderPair(node: ConfigNode, args: string[]): [string, string] {
  const [first, ...rest] = args;
  if (first === 'file') {
    if (rest.length === 0 || rest.length % 2 !== 0) {
      fail(node, 'the file loader takes a certificate path and a key path');
    }
    if (rest.length > 2) {
      fail(node, 'several certificates (SNI) are not supported by Gannet; give one certificate and key');
    }
    return [rest[0] as string, rest[1] as string];
  }
  if (first === 'acme' || first === 'tls.loader.acme' || first?.startsWith('&')) {
    fail(node, `TLS loader ${JSON.stringify(first)} is not supported by Gannet; use "tls file CERT KEY"`);
  }
  // maddy's short form: `tls CERT KEY`.
  if (args.length === 2) return [args[0] as string, args[1] as string];
  return fail(node, `unknown TLS loader ${JSON.stringify(first)}; use "tls file CERT KEY" or "tls off"`);
}

/**
 * Reads a `tls` directive (global or per endpoint). Returns null for `tls off`. Certificate and
 * key paths are resolved against the directory of the file that names them.
 */
export function parseTlsDirective(node: ConfigNode, cwd: string): TlsConfig | null {
  if (node.args[0] === 'off') {
    if (node.args.length > 1 || node.children.length > 0) fail(node, '"tls off" takes nothing more');
    return null;
  }

  let pair: { cert: string; key: string; from: ConfigNode } | undefined;
  if (node.args.length > 0) {
    const [cert, key] = loaderPair(node, node.args);
    pair = { cert, key, from: node };
  }
  let versions: [TlsVersion, TlsVersion] | undefined;
  let ciphers: string | undefined;
  let curves: string | undefined;

  const setCurves = (n: ConfigNode): void => {
    if (curves !== undefined) fail(n, 'curves are already set in this tls block');
    curves = mapCurves(n);
  };
  processBlock(node, 'tls block', {
    loader: (n) => {
      if (pair !== undefined) fail(n, 'the certificate is already given on the tls line');
      noBlock(n);
      if (n.args.length === 0) fail(n, 'loader needs a loader name and arguments, like "loader file CERT KEY"');
      const [cert, key] = loaderPair(n, n.args);
      pair = { cert, key, from: n };
    },
    protocols: (n) => {
      versions = mapVersions(n);
    },
    ciphers: (n) => {
      ciphers = mapCiphers(n);
    },
    // maddy-tls(5) documents `curve`; maddy's code reads `curves`. Both are accepted.
    curve: setCurves,
    curves: setCurves,
  });

  if (pair === undefined) {
    fail(node, 'tls needs a certificate and key: "tls CERT KEY", "tls file CERT KEY", a loader in its block, or "tls off"');
  }
  const base = dirOf(pair.from, cwd);
  const result: TlsConfig = {
    cert: resolveAgainst(base, pair.cert),
    key: resolveAgainst(base, pair.key),
    source: posOf(node),
  };
  if (versions !== undefined) {
    result.minVersion = versions[0];
    result.maxVersion = versions[1];
  }
  if (ciphers !== undefined) result.ciphers = ciphers;
  if (curves !== undefined) result.curves = curves;
  return result;
}
