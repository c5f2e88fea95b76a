// The configuration of a server run as its own process (crash tests, benchmarks): plaintext
// IMAP on a loopback port, credentials and mail under one state directory, no log.

export function loopbackConfigText(stateDir: string, port: number): string {
  return `state_dir ${stateDir}
log off
auth.pass_table local_authdb { table lmdb credentials }
storage.lmdb local_mailboxes { path mail }
imap tcp://127.0.0.1:${port} {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`;
}
