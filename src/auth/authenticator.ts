// The contract between the connection layer (LOGIN, AUTHENTICATE PLAIN) and the credential
// back-ends (pass_table, external helper, PAM helper).

/** Why a login was refused. Both are answered `NO [AUTHENTICATIONFAILED]` on the wire. */
export type AuthFailureReason = 'bad-credentials' | 'unknown-user';

/**
 * The outcome of checking one user name and password.
 * `username` is the normalised account name (see `normalize.ts`): the name the session, the
 * logs and the mail store use from now on, whatever case or Unicode form the client sent.
 */
export type AuthResult = { ok: true; username: string } | { ok: false; reason: AuthFailureReason };

/**
 * A credential back-end.
 *
 * `authenticate` resolves for every answer about the credentials themselves, including
 * refusals. It rejects only when the back-end itself failed (helper crashed or timed out,
 * table unreadable, stored hash malformed); the connection layer answers those with
 * `NO [UNAVAILABLE]` and logs the error.
 *
 * Implementations take about as long for an unknown user as for a wrong password, so that
 * response times do not reveal which accounts exist.
 */
export interface Authenticator {
  authenticate(username: string, password: string): Promise<AuthResult>;
  /** Releases files, databases and helpers; no call to `authenticate` may follow. */
  close(): Promise<void>;
}

/** Thrown (as a rejection) for back-end failures, so callers can tell them from bugs. */
export class AuthBackendError extends Error {
  override name = 'AuthBackendError';
}
