-- Integrations (SPEC §2 "Alerts in: integrations"): a monitoring system posts its own format to
-- `/hooks/{token}`; only the token's SHA-256 is kept. `company_id` is the fallback company
-- (required for `heartbeat`; a deleted company leaves it unset). Times are Unix milliseconds.
CREATE TABLE integrations (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    name_key          TEXT COLLATE "C" NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('alertmanager', 'grafana', 'zabbix', 'uptime_kuma', 'generic', 'heartbeat')),
    company_id        TEXT REFERENCES companies (id) ON DELETE SET NULL,
    company_label     TEXT NOT NULL DEFAULT 'company',
    default_severity  TEXT NOT NULL DEFAULT 'warning',
    heartbeat_minutes BIGINT,
    token_hash        TEXT NOT NULL UNIQUE,
    created_at        BIGINT NOT NULL,
    last_received_at  BIGINT,
    alerts_accepted   BIGINT NOT NULL DEFAULT 0,
    last_ping_at      BIGINT,
    UNIQUE (account_id, name_key)
);
CREATE INDEX integrations_by_name ON integrations (account_id, name_key, id);
