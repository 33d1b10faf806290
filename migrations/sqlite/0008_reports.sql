-- Scheduled reports and their runs. A run is unique per report and scheduled time, so however
-- many nodes' schedulers race, each due run happens once.
CREATE TABLE reports (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('alert_summary', 'delivery_summary', 'coverage')),
    all_companies INTEGER NOT NULL,
    companies     TEXT NOT NULL,
    schedule      TEXT NOT NULL,
    recipients    TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    next_run_at   BIGINT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX reports_by_account ON reports (account_id, name);
CREATE INDEX reports_due ON reports (next_run_at);

CREATE TABLE report_runs (
    id            TEXT PRIMARY KEY,
    report_id     TEXT NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    scheduled_for BIGINT NOT NULL,
    period_start  BIGINT NOT NULL,
    period_end    BIGINT NOT NULL,
    started_at    BIGINT,
    finished_at   BIGINT,
    error         TEXT,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_runs_once ON report_runs (report_id, scheduled_for);
CREATE INDEX report_runs_by_report ON report_runs (report_id, scheduled_for);
CREATE INDEX notifications_by_run ON notifications (report_run_id);
