-- 0001_initial: the schema before the migration (the optional-database
-- era): users, the legacy messages table and its Braid version history.
CREATE TABLE IF NOT EXISTS users (
	id serial PRIMARY KEY,
	username text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS messages (
	id bigserial PRIMARY KEY,
	conversation_id integer,
	sender_id integer,
	body text NOT NULL,
	sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS version_history (
	id bigserial PRIMARY KEY,
	message_id bigint NOT NULL,
	parents text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now()
);
