-- Why: Berth keeps serving when the Podman socket goes away and recovers by itself;
-- this records each change of the socket's state so the overview can show when it
-- was lost and when it came back, after the fact.
CREATE TABLE socket_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,              -- unix seconds
    healthy INTEGER NOT NULL CHECK (healthy IN (0, 1)),
    problem TEXT                           -- a PodmanProblem name when unhealthy
) STRICT;
