-- Why: stacks are compose files on disk (<data dir>/stacks/<name>/), but what Berth
-- did with them is not: who created a stack, which policy items an admin allowed for
-- it (audited, shown on its page), and the history of its deployments with their
-- logs, kept after the stack's containers are gone.

CREATE TABLE stacks (
    name       TEXT    PRIMARY KEY,               -- ^[a-z0-9][a-z0-9_-]{0,62}$
    created_at INTEGER NOT NULL,
    created_by TEXT
) STRICT;

CREATE TABLE stack_overrides (
    stack      TEXT    NOT NULL REFERENCES stacks (name) ON DELETE CASCADE,
    item       TEXT    NOT NULL,                  -- a policy item key (privileged, ...)
    allowed_by TEXT    NOT NULL,
    allowed_at INTEGER NOT NULL,
    PRIMARY KEY (stack, item)
) STRICT;

-- No foreign key: the history of a deleted stack stays readable in the audit trail.
CREATE TABLE deployments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    stack       TEXT    NOT NULL,
    action      TEXT    NOT NULL,                 -- deploy, pull-redeploy, stop, down, ...
    trigger     TEXT    NOT NULL,                 -- a user name, or "webhook"
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'refused')),
    summary     TEXT    NOT NULL DEFAULT '',
    log         TEXT    NOT NULL DEFAULT ''       -- one line per step, as the page showed it
) STRICT;
CREATE INDEX deployments_stack ON deployments (stack, id);
