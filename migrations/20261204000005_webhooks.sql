-- Why: a stack's webhook lets CI redeploy it. The hook id in the URL is random (not
-- the stack's name) and stays while the stack exists; the secret is sealed with the
-- key in secret.key, outside the database. Delivery ids are remembered for 24 hours
-- so a captured request can't be replayed. Image tags a webhook set are kept per
-- service and used by every deploy until the compose file is saved again.
CREATE TABLE stack_hooks (
    stack      TEXT    PRIMARY KEY REFERENCES stacks (name) ON DELETE CASCADE,
    hook_id    TEXT    NOT NULL UNIQUE,
    secret     BLOB    NOT NULL,                  -- sealed with secret.key
    created_at INTEGER NOT NULL,
    rotated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE hook_deliveries (
    hook_id  TEXT    NOT NULL,
    delivery TEXT    NOT NULL,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (hook_id, delivery)
) STRICT;
CREATE INDEX hook_deliveries_seen ON hook_deliveries (seen_at);

CREATE TABLE stack_image_pins (
    stack   TEXT    NOT NULL REFERENCES stacks (name) ON DELETE CASCADE,
    service TEXT    NOT NULL,
    image   TEXT    NOT NULL,
    set_at  INTEGER NOT NULL,
    set_by  TEXT    NOT NULL,
    PRIMARY KEY (stack, service)
) STRICT;
