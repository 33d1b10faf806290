-- Who changed what, when, with the object before and after (JSON text). The actor is kept by
-- id and name, without a foreign key, so entries outlive the user.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX audit_log_by_id ON audit_log (account_id, id);
CREATE INDEX audit_log_by_object ON audit_log (account_id, object_id);
