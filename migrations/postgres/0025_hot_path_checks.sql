-- What PostgreSQL checks and indexes for each alert, cut to what protects something.
--
-- Every row inserted under a foreign key runs a lookup of its parent and locks it (FOR KEY
-- SHARE): about 5 µs each, five per alert (alert -> account, company; notification -> account,
-- alert; attempt -> notification), a fifth of the database's time under the alert benchmark,
-- and the account's row, locked by every concurrent intake, is the hottest row there is.
-- An alert's account is its company's (the company's key already cascades), and the account
-- of a notification is the account of the caller or alert that made it; neither key guards a
-- write Reach can make. The cascade they gave is kept below: deleting accounts deletes their
-- alerts and notifications, as it did.
ALTER TABLE alerts DROP CONSTRAINT alerts_account_id_fkey;
ALTER TABLE notifications DROP CONSTRAINT notifications_account_id_fkey;

CREATE FUNCTION accounts_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM alerts WHERE account_id IN (SELECT id FROM gone);
    DELETE FROM notifications WHERE account_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;

CREATE TRIGGER accounts_gone AFTER DELETE ON accounts
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION accounts_gone();

-- The delivery log keyed by notification, as on SQLite (its 0024): every read finds attempts
-- by notification, so the key is (notification_id, attempt, id) and the separate index by
-- notification goes; one index written per attempt instead of two. `id` is kept (it ends the
-- key).
ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_pkey;
ALTER TABLE delivery_attempts ADD PRIMARY KEY (notification_id, attempt, id);
DROP INDEX delivery_attempts_by_notification;
