-- A method's own messages by time: what the rate limit of tests and codes, the flood digest
-- and the count of what flood control held back read, each by one method. Partial, so the
-- notifications of alerts that go out (nearly all of them) do not pay for it: one index entry
-- fewer per notification, at a position of its own per method (about 5% of the CPU per
-- notification under the alert benchmark on SQLite). Queries name the same condition
-- (store::outbox::OWN_MESSAGES) so that the index can serve them.
DROP INDEX notifications_by_method;
CREATE INDEX notifications_by_method ON notifications (method_id, created_at)
    WHERE event IN ('test', 'verification', 'digest') OR state = 'suppressed';
