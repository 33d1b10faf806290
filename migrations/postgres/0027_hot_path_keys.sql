-- The last two foreign keys every alert paid for, replaced by what they protected.
--
-- An alert's company key and a notification's alert key were checked on every inserted row:
-- a lookup of the parent, locked FOR KEY SHARE, run through the executor once per row, about a
-- tenth of the database's time under the alert benchmark (dropping both: 13,517 -> 14,572
-- notifications/s at 50,000 alerts, CPU per notification counting the database 110 -> 101 µs).
-- Intake now takes the same lock once per company of a batch, when it checks that they are
-- the account's (`store::ingest::checked_firing`): a company cannot be deleted while a batch
-- for it is being stored, and a batch waits for a deletion under way and then finds the
-- company gone. Alerts are only ever inserted by intake, and a notification's alert is one the
-- same batch inserted or holds firing under one of those companies, and alerts are deleted
-- only with their company or account. The cascades the keys gave are kept by triggers.
ALTER TABLE alerts DROP CONSTRAINT alerts_company_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_alert_id_fkey;

CREATE FUNCTION companies_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM alerts WHERE company_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER companies_gone AFTER DELETE ON companies
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION companies_gone();

CREATE FUNCTION alerts_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM notifications WHERE alert_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER alerts_gone AFTER DELETE ON alerts
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION alerts_gone();
