// Every limit a connection enforces, with the reason for its value. Parser-level limits
// (nesting depth, search tree size) live in protocol/limits.ts.

/**
 * Longest command line, without CRLF. RFC 7162 §4 asks servers to accept lines of at least
 * 8192 octets; clients send long UID sets in FETCH/STORE/SEARCH, so we allow eight times that.
 */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Most bytes in one request outside an APPEND message: all its lines plus any small literals.
 * Bounds the memory a single command can pin before it runs.
 */
export const MAX_REQUEST_BYTES = 256 * 1024;

/** Literals in one request; a SEARCH with many string keys needs a few dozen at most. */
export const MAX_LITERALS_PER_REQUEST = 256;

/**
 * Largest literal before authentication. Only LOGIN and AUTHENTICATE carry literals then, and
 * a user name or password never needs more; an unauthenticated peer gets no bigger buffer.
 */
export const MAX_LITERAL_BYTES_PREAUTH = 8 * 1024;

/** Largest literal of an authenticated non-APPEND command (mailbox names, search strings). */
export const MAX_LITERAL_BYTES = 64 * 1024;

/**
 * A LITERAL+ literal over the limit is read and thrown away (RFC 7888 §4); past this many
 * bytes reading it is not worth the bandwidth and the connection is closed instead.
 */
export const MAX_DISCARDED_LITERAL_BYTES = 64 * 1024 * 1024;

/**
 * Unframed input held while a command runs (pipelined commands). Past it the socket is
 * paused, so a client that floods us is slowed down by TCP instead of growing our memory.
 */
export const INPUT_HIGH_WATER_BYTES = 256 * 1024;

/**
 * Time allowed to authenticate. Unauthenticated connections cost memory and are how scanners
 * and password guessers arrive; a real client logs in within seconds.
 */
export const PREAUTH_TIMEOUT_MS = 60 * 1000;

/** RFC 3501 §5.4: an inactivity autologout timer must be at least 30 minutes. */
export const AUTOLOGOUT_TIMEOUT_MS = 30 * 60 * 1000;

/** How often the shared timer looks for connections past their deadline (coarse on purpose). */
export const TIMEOUT_SWEEP_INTERVAL_MS = 5 * 1000;

/** Time allowed for a TLS handshake (implicit TLS or STARTTLS). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 30 * 1000;

/**
 * How long a closing connection may take to hand over what it still has to send: a peer that
 * never reads would otherwise keep the socket open forever. Long enough for a BYE and the last
 * responses to leave a busy server; short enough that closed connections do not pile up.
 */
export const CLOSE_GRACE_MS = 5 * 1000;

/** Failed logins allowed on one connection before `* BYE`; a password guesser must reconnect. */
export const MAX_AUTH_FAILURES = 3;

/**
 * Delay before answering a failed login: slows guessing down on one connection without
 * holding a thread (the timer is free), and hides which step of the check failed.
 */
export const AUTH_FAILURE_DELAY_MS = 1000;

/** BAD replies tolerated before authentication: a peer speaking another protocol is cut off early. */
export const MAX_BAD_COMMANDS_PREAUTH = 3;

/** BAD replies tolerated on an authenticated connection before `* BYE`. */
export const MAX_BAD_COMMANDS = 50;

/** Simultaneous connections per listener process; each costs a file descriptor. */
export const MAX_CONNECTIONS = 20_000;

/**
 * Longest a request of a connection that has not logged in waits while sessions in progress
 * have requests queued (request-scheduler.ts). Under overload new sessions queue at LOGIN so
 * that the users already in keep their latency; past this wait a login runs next anyway, so
 * logins keep moving however busy the sessions are. A second is far inside what clients allow
 * a login (their connection timeouts are tens of seconds).
 */
export const MAX_LOGIN_QUEUE_MS = 1000;

/** Time given to connections to finish their current command on shutdown before they are cut. */
export const SHUTDOWN_GRACE_MS = 10 * 1000;

/**
 * A connection that has only been waiting for its client this long gives up its state
 * machine actor and keeps a persisted snapshot instead (actors/connection/connection.ts).
 * Long enough that active clients, which send a command every few seconds, never pay the
 * restore (some tens of microseconds); short enough that idle ones stop costing memory.
 */
export const HIBERNATE_AFTER_MS = 30 * 1000;

/**
 * A connection resting in IDLE hibernates after this long instead (unless hibernation is
 * off or hibernate_after is shorter). IDLE is how a client says it will only listen, often for
 * the 29 minutes RFC 2177 allows, and high-connection deployments are mostly such clients:
 * hibernating them soon keeps the live actors of clients that just started idling from piling
 * up (15,000 clients that IDLE within seconds of each other otherwise hold 15,000 live actors
 * for 30 s, and their heap pages after that). A second is enough to let a client that leaves
 * IDLE at once (to run a command the user asked for) do so without a restore.
 */
export const IDLE_HIBERNATE_AFTER_MS = 1000;

/**
 * Connections the kernel may hold for us before we accept them (listen(2) backlog; Linux caps
 * it at net.core.somaxconn, 4096 by default). libuv accepts one connection per handle per
 * event-loop turn (ACCEPT_HANDLES), so when thousands of clients connect at once (a restart, a network coming back) the queue
 * fills faster than it drains; past the backlog the kernel drops the handshake's last ACK,
 * and a client that waits for the greeting without sending can hang until its own timeout.
 * Node's default is 511: at 15,000 IDLE clients connecting within seconds, a few clients in
 * some runs never got their greeting.
 */
export const LISTEN_BACKLOG = 4096;

/**
 * Handles each listening socket is polled through. libuv accepts one connection per handle per
 * event-loop turn (accept-handles.ts), and a turn of a loaded server lasts a few milliseconds:
 * one handle capped accepts near 200 a second at 100 busy clients. Eight lift that past a
 * thousand and cost one descriptor each (and, when fewer connections wait, an accept(2) that
 * finds none).
 */
export const ACCEPT_HANDLES = 8;

/** How often resting connections are checked for hibernation. */
export const HIBERNATE_SWEEP_MS = 10 * 1000;
