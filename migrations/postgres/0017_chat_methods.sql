-- Chat and push contact methods (issue 16): the method types Slack, Microsoft Teams, Discord,
-- ntfy, Telegram and Matrix join email, SMS, phone and webhook.
ALTER TABLE contact_methods DROP CONSTRAINT IF EXISTS contact_methods_type_check;
ALTER TABLE contact_methods ADD CONSTRAINT contact_methods_type_check CHECK (type IN
    ('email', 'sms', 'phone', 'webhook', 'slack', 'teams', 'discord', 'ntfy', 'telegram', 'matrix'));
