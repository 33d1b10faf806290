-- The directory: accounts, companies, contacts, users, contact methods, API tokens.
-- Times are Unix milliseconds (UTC); flags are INTEGER 0/1 (the sqlx Any driver reads no
-- SQLite BOOLEAN). *_key columns hold the lower-cased form that lists sort
-- and search by.

CREATE TABLE deployment (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE accounts (
    id                      TEXT PRIMARY KEY,
    name                    TEXT NOT NULL,
    name_key                TEXT NOT NULL UNIQUE,
    default_region          TEXT NOT NULL,
    locale                  TEXT NOT NULL CHECK (locale IN ('en', 'es')),
    timezone                TEXT NOT NULL,
    require_verified_phones INTEGER NOT NULL DEFAULT 1,
    repeat_interval_minutes BIGINT NOT NULL DEFAULT 240,
    created_at              BIGINT NOT NULL
);

CREATE TABLE companies (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (account_id, name_key)
);
CREATE INDEX companies_by_name ON companies (account_id, name_key, id);

CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    name_key      TEXT NOT NULL,
    all_companies INTEGER NOT NULL,
    locale        TEXT CHECK (locale IN ('en', 'es')),
    timezone      TEXT,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX contacts_by_name ON contacts (account_id, name_key, id);

CREATE TABLE contact_companies (
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    company_id TEXT NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, company_id)
);
CREATE INDEX contact_companies_by_company ON contact_companies (company_id);

CREATE TABLE users (
    contact_id    TEXT PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT NOT NULL,
    email_key     TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'technician')),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL
);

CREATE TABLE contact_methods (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id    TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    type          TEXT NOT NULL CHECK (type IN ('email', 'sms', 'phone', 'webhook')),
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
    created_at    BIGINT NOT NULL
);
CREATE INDEX contact_methods_by_contact ON contact_methods (contact_id, created_at);
CREATE INDEX contact_methods_by_address ON contact_methods (account_id, address_key);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL REFERENCES users (contact_id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
