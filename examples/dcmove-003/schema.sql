-- schema.sql - the application's tables, as migrations/*.sql create them
-- (seed 0.2: migrations/20251007_create_whatsapp_auth_tables.sql and the
-- rest).  Applied to both databases before the night.
CREATE TABLE whatsapp_auth (
	company_id text PRIMARY KEY,
	creds jsonb NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);
CREATE TABLE whatsapp_keys (
	company_id text NOT NULL,
	key_type text NOT NULL,
	key_id text NOT NULL,
	value jsonb NOT NULL,
	expires_at timestamptz,
	PRIMARY KEY (company_id, key_type, key_id)
);
CREATE TABLE clients (
	id integer PRIMARY KEY,
	phone text NOT NULL,
	name text NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE TABLE schedules (
	id integer PRIMARY KEY,
	staff_id integer NOT NULL,
	day date NOT NULL,
	slots jsonb NOT NULL
);
CREATE TABLE bookings (
	id integer PRIMARY KEY,
	client_id integer NOT NULL REFERENCES clients (id),
	service text NOT NULL,
	starts_at timestamptz NOT NULL,
	price numeric(10,2) NOT NULL,
	status text NOT NULL
);
CREATE TABLE messages (
	id bigserial PRIMARY KEY,
	phone text NOT NULL,
	body text NOT NULL,
	created_at timestamptz NOT NULL
);
CREATE INDEX bookings_starts_at ON bookings (starts_at);
CREATE INDEX messages_phone ON messages (phone);
