-- gen.sql: the production data of the old server (after 0001): 500
-- users, 4,000 messages in 50 conversations, 4,000 version-history rows.
INSERT INTO users (username, created_at)
	SELECT 'user' || g, '2026-01-01'::timestamptz + g * interval '1 minute'
	FROM generate_series(1, 500) g;
INSERT INTO messages (conversation_id, sender_id, body, sent_at)
	SELECT 1 + g % 50, 1 + (g * 7) % 500, 'message ' || g || ' ' || md5(g::text),
		'2026-06-01'::timestamptz + g * interval '1 second'
	FROM generate_series(1, 4000) g;
INSERT INTO version_history (message_id, parents, created_at)
	SELECT g, CASE WHEN g > 50 THEN (g - 50)::text ELSE '' END,
		'2026-06-01'::timestamptz + g * interval '1 second'
	FROM generate_series(1, 4000) g;
