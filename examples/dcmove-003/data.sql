-- data.sql - the production data in "Supabase": the Baileys session of
-- company 962302 (1 auth record, 335 keys of four types, as the seed
-- counts them) and the salon's data, 6,036 rows in all, deterministic.
INSERT INTO whatsapp_auth VALUES ('962302',
	'{"me": {"id": "79936363848:12@s.whatsapp.net", "name": "AI Admin"}, "registered": true, "registrationId": 1234, "advSecretKey": "c2VjcmV0", "signedIdentityKey": {"public": "cHVi", "private": "cHJpdg=="}}',
	'2025-10-07 12:00:00+03', '2025-11-04 09:30:00+03');
INSERT INTO whatsapp_keys
SELECT '962302', (ARRAY['pre-key', 'session', 'sender-key', 'app-state-sync-key'])[1 + i % 4],
	'k' || i, jsonb_build_object('keyData', md5(i::text), 'n', i, 'fingerprint', jsonb_build_object('rawId', i * 7)),
	CASE WHEN i % 3 = 0 THEN NULL ELSE timestamptz '2025-12-01 00:00+03' + i * interval '1 hour' END
FROM generate_series(1, 335) i;
INSERT INTO clients
SELECT i, '7' || lpad((9000000000 + i * 7919 % 999999999)::text, 10, '0'), 'Клиент ' || i,
	timestamptz '2024-01-01 10:00+03' + i * interval '37 minutes'
FROM generate_series(1, 1500) i;
INSERT INTO schedules
SELECT i, 1 + i % 12, date '2025-11-01' + i / 12,
	jsonb_build_array('10:00', '11:30', to_char(12 + i % 8, 'FM00') || ':00')
FROM generate_series(1, 800) i;
INSERT INTO bookings
SELECT i, 1 + i * 37 % 1500, (ARRAY['маникюр', 'педикюр', 'стрижка', 'окрашивание'])[1 + i % 4],
	timestamptz '2025-09-01 10:00+03' + i * interval '53 minutes', (1500 + i % 40 * 50)::numeric(10,2),
	(ARRAY['confirmed', 'done', 'cancelled'])[1 + i % 3]
FROM generate_series(1, 2200) i;
INSERT INTO messages (phone, body, created_at)
SELECT '7' || lpad((9000000000 + i * 131 % 999999999)::text, 10, '0'), 'Сообщение ' || i || ': хочу записаться',
	timestamptz '2025-10-01 08:00+03' + i * interval '11 minutes'
FROM generate_series(1, 1200) i;
