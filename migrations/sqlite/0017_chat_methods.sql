-- Chat and push contact methods (issue 16): the method types Slack, Microsoft Teams, Discord,
-- ntfy, Telegram and Matrix join email, SMS, phone and webhook.
--
-- SQLite cannot change a CHECK constraint in place, so the table is built again: its rows are
-- copied to a new table, the old one is dropped and the new one takes its name. Dropping it
-- deletes its pending verification codes by cascade, so they are kept aside and put back; the
-- triggers that read it (the search text of migration 0015) are dropped first, as a rename
-- checks every trigger, and made again after with its indexes.
CREATE TABLE method_verifications_kept AS SELECT * FROM method_verifications;

DROP TRIGGER contact_text_contact_renamed;
DROP TRIGGER contact_text_method_added;
DROP TRIGGER contact_text_method_readdressed;
DROP TRIGGER contact_text_method_deleted;

CREATE TABLE contact_methods_new (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id    TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    type          TEXT NOT NULL CHECK (type IN ('email', 'sms', 'phone', 'webhook', 'slack',
                      'teams', 'discord', 'ntfy', 'telegram', 'matrix')),
    address       TEXT NOT NULL,
    address_key   TEXT NOT NULL,
    label         TEXT,
    min_severity  TEXT CHECK (min_severity IN ('info', 'warning', 'critical')),
    reports       INTEGER NOT NULL,
    delay_minutes BIGINT NOT NULL CHECK (delay_minutes BETWEEN 0 AND 1440),
    quiet_from    TEXT,
    quiet_to      TEXT,
    verified      INTEGER NOT NULL DEFAULT 0,
    is_primary    INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    secret        TEXT
);
INSERT INTO contact_methods_new (id, account_id, contact_id, type, address, address_key, label,
        min_severity, reports, delay_minutes, quiet_from, quiet_to, verified, is_primary,
        created_at, secret)
    SELECT id, account_id, contact_id, type, address, address_key, label, min_severity, reports,
        delay_minutes, quiet_from, quiet_to, verified, is_primary, created_at, secret
    FROM contact_methods;
DROP TABLE contact_methods;
ALTER TABLE contact_methods_new RENAME TO contact_methods;

CREATE INDEX contact_methods_by_contact ON contact_methods (contact_id, created_at);
CREATE INDEX contact_methods_by_address ON contact_methods (account_id, address_key);
CREATE INDEX contact_methods_of_contacts ON contact_methods (account_id, contact_id);

CREATE TRIGGER contact_text_contact_renamed AFTER UPDATE OF name_key ON contacts BEGIN
    UPDATE contact_text SET text = new.name_key || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = new.id), '')
    WHERE contact_id = new.id;
END;
CREATE TRIGGER contact_text_method_added AFTER INSERT ON contact_methods BEGIN
    UPDATE contact_text SET text = text || char(10) || new.address_key
    WHERE contact_id = new.contact_id;
END;
CREATE TRIGGER contact_text_method_readdressed AFTER UPDATE OF address_key ON contact_methods
BEGIN
    UPDATE contact_text SET text = coalesce((
        SELECT c.name_key FROM contacts c WHERE c.id = new.contact_id), '')
        || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = new.contact_id), '')
    WHERE contact_id = new.contact_id;
END;
CREATE TRIGGER contact_text_method_deleted AFTER DELETE ON contact_methods BEGIN
    UPDATE contact_text SET text = coalesce((
        SELECT c.name_key FROM contacts c WHERE c.id = old.contact_id), '')
        || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = old.contact_id), '')
    WHERE contact_id = old.contact_id;
END;

INSERT INTO method_verifications SELECT * FROM method_verifications_kept;
DROP TABLE method_verifications_kept;
