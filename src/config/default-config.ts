// The configuration Gannet runs with when no file is given, written in the configuration
// language itself so that it goes through exactly the same loader as a user's file.

/** The name messages use for the embedded default configuration. */
export const DEFAULT_CONFIG_NAME = '<default config>';

/**
 * A plaintext IMAP listener on localhost:1143 over a local credentials table and local mail
 * storage. `state_dir` is not set, so the loader's default applies: $GANNET_STATE_DIR, else
 * ./gannet-data. Without TLS, authentication over plaintext is allowed (maddy-imap(5)), which is
 * why the listener is bound to the loopback address only.
 */
export const DEFAULT_CONFIG_TEXT = `# Gannet default configuration.

auth.pass_table local_authdb {
    table lmdb credentials
}

storage.lmdb local_mailboxes {
    path mail
}

imap tcp://127.0.0.1:1143 {
    tls off
    auth &local_authdb
    storage &local_mailboxes
}
`;
