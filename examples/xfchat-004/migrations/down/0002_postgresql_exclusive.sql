-- The inverse of 0002 (risk 6, "create inverse migrations for critical
-- changes"): the new tables go, the old ones were never touched.
DROP TABLE IF EXISTS chat_messages, friend_requests,
	conversation_participants, conversations;
DELETE FROM _sqlx_migrations WHERE version = 2;
