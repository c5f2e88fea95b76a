// Self-signed certificates for TLS tests, written into a test directory.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface CertFiles {
  cert: string;
  key: string;
  /** The PEM certificate, to compare with what a client sees. */
  pem: string;
}

export async function writeCert(dir: string, commonName = 'localhost'): Promise<CertFiles> {
  const pems = await generate([{ name: 'commonName', value: commonName }], { keySize: 2048 });
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, pems.cert);
  writeFileSync(key, pems.private);
  return { cert, key, pem: pems.cert };
}
