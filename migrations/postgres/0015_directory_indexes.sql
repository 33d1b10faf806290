-- Contact lists at 100,000 contacts (issue 15, measured by `bench/directory.rs`).
--
-- A search (`q`: text anywhere in the name or in a method's address) takes its candidates
-- from trigram indexes (pg_trgm, which serves LIKE '%text%') instead of reading every contact
-- and method; the list still applies its own LIKE to them. pg_trgm ships with PostgreSQL
-- (contrib) and is trusted: the database's owner may create it. Where it cannot be created,
-- the indexes are left out and searches read every row, as they did before. New entries go
-- straight into the indexes (`fastupdate = off`): a pending list, read whole by every search
-- until a vacuum merges it, had a search take 10 ms instead of 1 after adding contacts.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'pg_trgm cannot be created (%): contact searches will read every contact',
        SQLERRM;
END
$$;

DO $$
DECLARE
    ops TEXT;
BEGIN
    SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF ops IS NOT NULL THEN
        EXECUTE 'CREATE INDEX contacts_name_trigrams ON contacts USING gin (name_key '
            || ops || ') WITH (fastupdate = off)';
        EXECUTE 'CREATE INDEX contact_methods_address_trigrams ON contact_methods '
            || 'USING gin (address_key ' || ops || ') WITH (fastupdate = off)';
    END IF;
END
$$;
