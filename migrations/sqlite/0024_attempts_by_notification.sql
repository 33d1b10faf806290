-- The delivery log kept in one b-tree, by notification: a table without rowid whose key is
-- (notification_id, attempt, id). Before, each attempt was a row of the table, an entry of its
-- `id` key's index and one of `delivery_attempts_by_notification`: three b-trees written per
-- attempt, each appended at its right edge, and each append that splits a leaf rewrites its
-- neighbours: about 16 of the 30 pages a group commit of ~116 outcomes wrote to the WAL under
-- the alert benchmark. Every read finds attempts by notification (the log, flood digests,
-- deletes cascading from a notification). `id` stays unique (it ends the key) and is kept.
CREATE TABLE delivery_attempts_new (
    id              TEXT NOT NULL,
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempt         BIGINT NOT NULL,
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed', 'suppressed')),
    detail          TEXT,
    PRIMARY KEY (notification_id, attempt, id)
) WITHOUT ROWID;
INSERT INTO delivery_attempts_new (id, notification_id, attempt, started_at, finished_at, outcome,
    detail)
SELECT id, notification_id, attempt, started_at, finished_at, outcome, detail
FROM delivery_attempts;
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_new RENAME TO delivery_attempts;
