-- Contact lists at 100,000 contacts (issue 15, measured by `bench/directory.rs`).
--
-- A page's methods are read by account and contact ids; without statistics SQLite took the
-- index by address for that and read every method of the account.
CREATE INDEX contact_methods_of_contacts ON contact_methods (account_id, contact_id);

-- A list by company (or a technician's, by scope) walks the contacts in name order until a
-- page is full, asking of each whether it sees every company: the index answers that itself,
-- and the contact's row is read only for those listed.
DROP INDEX contacts_by_name;
CREATE INDEX contacts_by_name ON contacts (account_id, name_key, id, all_companies);

-- A search (`q`: text anywhere in the name or in a method's address) takes its candidates
-- from a trigram index instead of reading every contact and method. `contact_text` holds
-- each contact's name key and address keys, one a line, kept by the triggers below (none
-- has a line break); `contact_text_fts` indexes it (FTS5, trigrams). The list still applies
-- its own LIKE to the candidates, so the index only has to find every match.
CREATE TABLE contact_text (
    id         INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL,
    text       TEXT NOT NULL
);
CREATE VIRTUAL TABLE contact_text_fts USING fts5 (
    text, content = 'contact_text', content_rowid = 'id', tokenize = 'trigram'
);

INSERT INTO contact_text (contact_id, account_id, text)
    SELECT c.id, c.account_id, c.name_key || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = c.id), '')
    FROM contacts c;
INSERT INTO contact_text_fts (contact_text_fts) VALUES ('rebuild');

-- The index follows the text.
CREATE TRIGGER contact_text_added AFTER INSERT ON contact_text BEGIN
    INSERT INTO contact_text_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER contact_text_deleted AFTER DELETE ON contact_text BEGIN
    INSERT INTO contact_text_fts (contact_text_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER contact_text_changed AFTER UPDATE OF text ON contact_text BEGIN
    INSERT INTO contact_text_fts (contact_text_fts, rowid, text)
        VALUES ('delete', old.id, old.text);
    INSERT INTO contact_text_fts (rowid, text) VALUES (new.id, new.text);
END;

-- The text follows the contact and its methods. A contact's methods may be deleted by
-- cascade before or after its own row of text: either way that row goes.
CREATE TRIGGER contact_text_contact_added AFTER INSERT ON contacts BEGIN
    INSERT INTO contact_text (contact_id, account_id, text)
        VALUES (new.id, new.account_id, new.name_key);
END;
CREATE TRIGGER contact_text_contact_deleted AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_text WHERE contact_id = old.id;
END;
CREATE TRIGGER contact_text_contact_renamed AFTER UPDATE OF name_key ON contacts BEGIN
    UPDATE contact_text SET text = new.name_key || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = new.id), '')
    WHERE contact_id = new.id;
END;
CREATE TRIGGER contact_text_method_added AFTER INSERT ON contact_methods BEGIN
    UPDATE contact_text SET text = text || char(10) || new.address_key
    WHERE contact_id = new.contact_id;
END;
CREATE TRIGGER contact_text_method_readdressed AFTER UPDATE OF address_key ON contact_methods
BEGIN
    UPDATE contact_text SET text = coalesce((
        SELECT c.name_key FROM contacts c WHERE c.id = new.contact_id), '')
        || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = new.contact_id), '')
    WHERE contact_id = new.contact_id;
END;
CREATE TRIGGER contact_text_method_deleted AFTER DELETE ON contact_methods BEGIN
    UPDATE contact_text SET text = coalesce((
        SELECT c.name_key FROM contacts c WHERE c.id = old.contact_id), '')
        || coalesce(char(10) || (
        SELECT group_concat(m.address_key, char(10)) FROM contact_methods m
        WHERE m.contact_id = old.contact_id), '')
    WHERE contact_id = old.contact_id;
END;
