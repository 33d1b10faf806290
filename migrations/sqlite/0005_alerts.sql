-- Alerts, maintenance windows and the outbox of notifications (one row per alert event and
-- contact method), written in the transaction that stores the alert.
CREATE TABLE alerts (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    company_id       TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    key              TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    status           TEXT NOT NULL CHECK (status IN ('firing', 'resolved')),
    title            TEXT NOT NULL,
    body             TEXT,
    labels           TEXT NOT NULL,
    opened_at        BIGINT NOT NULL,
    last_notified_at BIGINT NOT NULL,
    acknowledged_at  BIGINT,
    acknowledged_by  TEXT,
    resolved_at      BIGINT
);
-- One firing alert per key and company: a repeat finds it.
CREATE UNIQUE INDEX alerts_open_key ON alerts (account_id, company_id, key) WHERE status = 'firing';
CREATE INDEX alerts_by_time ON alerts (account_id, opened_at);

CREATE TABLE maintenance_windows (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    reason     TEXT
);
CREATE INDEX maintenance_by_company ON maintenance_windows (company_id, starts_at);

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    alert_id        TEXT REFERENCES alerts (id) ON DELETE CASCADE,
    report_run_id   TEXT,
    contact_id      TEXT NOT NULL,
    method_id       TEXT NOT NULL,
    type            TEXT NOT NULL,
    address         TEXT NOT NULL,
    event           TEXT NOT NULL CHECK (event IN ('opened', 'escalated', 'renotified', 'resolved', 'report')),
    state           TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'dead', 'suppressed')),
    reason          TEXT,
    escalation      INTEGER NOT NULL DEFAULT 0,
    held            INTEGER NOT NULL DEFAULT 0,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT
);
CREATE INDEX notifications_due ON notifications (state, next_attempt_at);
CREATE INDEX notifications_by_alert ON notifications (alert_id);
