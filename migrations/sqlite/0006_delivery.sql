-- Delivery: each webhook method's signing secret (`whsec_...`, shown once), and the log of
-- every attempt to send a notification with the provider's answer.
ALTER TABLE contact_methods ADD COLUMN secret TEXT;

CREATE TABLE delivery_attempts (
    id              TEXT PRIMARY KEY,
    notification_id TEXT NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    attempt         BIGINT NOT NULL,
    started_at      BIGINT NOT NULL,
    finished_at     BIGINT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('sent', 'retry', 'failed', 'suppressed')),
    detail          TEXT
);
CREATE INDEX delivery_attempts_by_notification ON delivery_attempts (notification_id, attempt);
