-- Why: the host panel keeps the privileged-port forwards the owner wants (such as
-- 80 -> 8080), shows the root commands that apply each and checks whether it works.
-- Berth never applies them itself: it runs unprivileged.
CREATE TABLE port_forwards (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_port INTEGER NOT NULL CHECK (source_port BETWEEN 1 AND 65535),
    target_port INTEGER NOT NULL CHECK (target_port BETWEEN 1024 AND 65535),
    protocol    TEXT NOT NULL CHECK (protocol IN ('tcp', 'udp')),
    created_at  INTEGER NOT NULL,          -- unix seconds
    created_by  TEXT NOT NULL,
    UNIQUE (source_port, protocol)
) STRICT;
