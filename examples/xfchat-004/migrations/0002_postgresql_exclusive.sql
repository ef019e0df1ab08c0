-- 0002_postgresql_exclusive: the consolidated schema of the
-- PostgreSQL-only server.  Idempotent, as the seed asks (risk 6):
-- IF NOT EXISTS everywhere, constraints added in DO blocks that ignore
-- a duplicate, rows copied with ON CONFLICT DO NOTHING.  The old tables
-- (messages, version_history) are kept: they are dropped a week later
-- (risk 2, "gradual migration").
CREATE TABLE IF NOT EXISTS conversations (
	id integer PRIMARY KEY,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS conversation_participants (
	conversation_id integer NOT NULL REFERENCES conversations (id),
	user_id integer NOT NULL REFERENCES users (id),
	PRIMARY KEY (conversation_id, user_id)
);
CREATE TABLE IF NOT EXISTS friend_requests (
	id bigserial PRIMARY KEY,
	from_user integer NOT NULL REFERENCES users (id),
	to_user integer NOT NULL REFERENCES users (id),
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS chat_messages (
	id bigserial,
	conversation_id integer REFERENCES conversations (id),
	sender_id integer REFERENCES users (id),
	body text NOT NULL,
	sent_at timestamptz NOT NULL DEFAULT now()
);
DO $$
BEGIN
	ALTER TABLE chat_messages ADD CONSTRAINT unique_message_id UNIQUE (id);
EXCEPTION WHEN duplicate_table OR duplicate_object THEN NULL;
END $$;
DO $$
BEGIN
	ALTER TABLE chat_messages ADD CONSTRAINT not_null_conversation
		CHECK (conversation_id IS NOT NULL);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
CREATE INDEX IF NOT EXISTS idx_chat_messages_conversation
	ON chat_messages (conversation_id, sent_at);
INSERT INTO conversations (id)
	SELECT DISTINCT conversation_id FROM messages
	WHERE conversation_id IS NOT NULL
	ON CONFLICT DO NOTHING;
INSERT INTO conversation_participants (conversation_id, user_id)
	SELECT DISTINCT conversation_id, sender_id FROM messages
	WHERE conversation_id IS NOT NULL AND sender_id IS NOT NULL
	ON CONFLICT DO NOTHING;
INSERT INTO chat_messages (id, conversation_id, sender_id, body, sent_at)
	SELECT id, conversation_id, sender_id, body, sent_at FROM messages
	ON CONFLICT (id) DO NOTHING;
SELECT setval(pg_get_serial_sequence('chat_messages', 'id'),
	(SELECT coalesce(max(id), 1) FROM chat_messages));
