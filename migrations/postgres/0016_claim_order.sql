-- Claims take the due notifications of each state in (next_attempt_at, id) order straight
-- from this index, a batch at a time, instead of sorting every due row on each claim; a
-- sending row's lease is found by its own index (only rows in flight are sending).
DROP INDEX notifications_due;
CREATE INDEX notifications_due ON notifications (state, next_attempt_at, id);
CREATE INDEX notifications_leases ON notifications (state, lease_until);
