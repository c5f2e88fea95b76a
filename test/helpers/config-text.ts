// The configuration of a server run as its own process (crash tests, benchmarks): plaintext
// IMAP on a loopback port, credentials and mail under one state directory, no log.

/**
 * `table` is the pass_table's table: by default the LMDB one `gannet creds` manages. `storage`
 * adds directives to the storage module (e.g. `search_index no`).
 */
export function loopbackConfigText(stateDir: string, port: number, table = 'lmdb credentials', storage = ''): string {
  return `state_dir ${stateDir}
log off
auth.pass_table local_authdb { table ${table} }
storage.lmdb local_mailboxes {
    path mail
    ${storage}
}
imap tcp://127.0.0.1:${port} {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`;
}
