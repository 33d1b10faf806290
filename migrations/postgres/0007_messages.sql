-- Messages that are not about an alert (verification codes, test messages, the digest of what
-- flood control held back) go through the outbox too; codes are kept hashed; each account has
-- per-destination flood limits (NULL: no limit).
ALTER TABLE notifications DROP CONSTRAINT notifications_event_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_event_check
    CHECK (event IN ('opened', 'escalated', 'renotified', 'resolved', 'report', 'verification', 'test', 'digest'));
ALTER TABLE notifications ADD COLUMN payload TEXT;
CREATE INDEX notifications_by_destination ON notifications (type, address, sent_at);

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
