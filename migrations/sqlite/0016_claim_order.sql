-- Claims read each state's due notifications in (next_attempt_at, id) order, a batch at a
-- time, from a partial index that holds only the rows in that state: sent rows (nearly all of
-- them) are in none of these, so finishing a notification touches one small index instead of
-- moving an entry within a large one. Rows sent but not yet written to the destination
-- index, and alert notifications in the report-run index, were the same kind of dead weight.
DROP INDEX notifications_due;
CREATE INDEX notifications_queued ON notifications (next_attempt_at, id) WHERE state = 'queued';
CREATE INDEX notifications_failed ON notifications (next_attempt_at, id) WHERE state = 'failed';
CREATE INDEX notifications_sending ON notifications (lease_until, id) WHERE state = 'sending';
DROP INDEX notifications_by_destination;
CREATE INDEX notifications_by_destination ON notifications (type, address, sent_at)
    WHERE sent_at IS NOT NULL;
DROP INDEX notifications_by_run;
CREATE INDEX notifications_by_run ON notifications (report_run_id) WHERE report_run_id IS NOT NULL;
