-- Why: the hardened login. Users with argon2id hashes and TOTP (secret encrypted with
-- the key file outside this database), single-use recovery codes, per-account lockout
-- state that `berth user unlock` can clear while the server runs, remembered devices
-- that bypass an account lock, the signed-in sessions a user can list and revoke, and
-- the hash-chained audit log.

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    username            TEXT    NOT NULL UNIQUE,   -- normalised (NFKC, lower case)
    role                TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    password_hash       TEXT    NOT NULL,          -- argon2id PHC string
    totp_secret         BLOB,                      -- nonce || ChaCha20-Poly1305 ciphertext
    totp_last_step      INTEGER,                   -- the last time step used: never again
    failed_logins       INTEGER NOT NULL DEFAULT 0,
    lock_level          INTEGER NOT NULL DEFAULT 0,
    locked_until        INTEGER,                   -- unix seconds
    created_at          INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT    NOT NULL,                    -- SHA-256 hex of the normalised code
    used_at   INTEGER
) STRICT;
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

CREATE TABLE devices (
    id           TEXT    PRIMARY KEY,              -- random, in the signed device cookie
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
) STRICT;
CREATE INDEX devices_user ON devices (user_id);

CREATE TABLE auth_sessions (
    id           TEXT    PRIMARY KEY,              -- random; the cookie session holds it
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    enrol_only   INTEGER NOT NULL CHECK (enrol_only IN (0, 1)),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    reauth_at    INTEGER NOT NULL,
    ip           TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL
) STRICT;
CREATE INDEX auth_sessions_user ON auth_sessions (user_id);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        INTEGER NOT NULL,
    actor     TEXT,                                -- username, or NULL for the system
    ip        TEXT,
    action    TEXT    NOT NULL,
    target    TEXT,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    detail    TEXT,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
) STRICT;
