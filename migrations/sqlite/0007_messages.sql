-- Messages that are not about an alert (verification codes, test messages, the digest of what
-- flood control held back) go through the outbox too; codes are kept hashed; each account has
-- per-destination flood limits. SQLite cannot change a CHECK constraint, so the outbox table
-- is rebuilt. The migration runs in a transaction with foreign keys on, where dropping the old
-- table cascades to its attempts: they are kept aside and put back.
CREATE TABLE delivery_attempts_kept AS SELECT * FROM delivery_attempts;
CREATE TABLE notifications_new (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    alert_id        TEXT REFERENCES alerts (id) ON DELETE CASCADE,
    report_run_id   TEXT,
    contact_id      TEXT NOT NULL,
    method_id       TEXT NOT NULL,
    type            TEXT NOT NULL,
    address         TEXT NOT NULL,
    event           TEXT NOT NULL CHECK (event IN ('opened', 'escalated', 'renotified', 'resolved', 'report', 'verification', 'test', 'digest')),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead', 'suppressed')),
    reason          TEXT,
    escalation      INTEGER NOT NULL DEFAULT 0,
    held            INTEGER NOT NULL DEFAULT 0,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT,
    payload         TEXT
);
INSERT INTO notifications_new (id, account_id, alert_id, report_run_id, contact_id, method_id, type,
    address, event, state, reason, escalation, held, attempts, next_attempt_at, lease_until,
    created_at, sent_at)
SELECT id, account_id, alert_id, report_run_id, contact_id, method_id, type, address, event,
    state, reason, escalation, held, attempts, next_attempt_at, lease_until, created_at, sent_at
FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_by_alert ON notifications (alert_id);
CREATE INDEX notifications_by_destination ON notifications (type, address, sent_at);
INSERT INTO delivery_attempts SELECT * FROM delivery_attempts_kept;
DROP TABLE delivery_attempts_kept;

CREATE TABLE method_verifications (
    method_id  TEXT PRIMARY KEY REFERENCES contact_methods (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    failures   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

ALTER TABLE accounts ADD COLUMN flood_limit_email BIGINT DEFAULT 30;
ALTER TABLE accounts ADD COLUMN flood_limit_sms BIGINT DEFAULT 10;
ALTER TABLE accounts ADD COLUMN flood_limit_phone BIGINT DEFAULT 10;
ALTER TABLE accounts ADD COLUMN flood_limit_webhook BIGINT;
