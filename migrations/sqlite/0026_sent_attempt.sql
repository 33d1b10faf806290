-- The attempt that sent a notification is kept on its row, written by the statement that ends
-- it (`outbox::finish`): its number, when it started and the receiver's answer (it finished
-- at `sent_at`). Nearly every attempt is one that sent, and its row in the log (a heap row and
-- its key) was a fifth of what the recorder wrote. Failed, retried and suppressed attempts
-- stay in `delivery_attempts`; a notification's log reads both. Rows sent before keep theirs
-- in the log.
ALTER TABLE notifications ADD COLUMN sent_try BIGINT;
ALTER TABLE notifications ADD COLUMN sent_started_at BIGINT;
ALTER TABLE notifications ADD COLUMN sent_detail TEXT;
