-- gen.sql - the demo's source database: a small ride-hailing schema
-- (riders, drivers, vehicles, trips, payments) filled deterministically
-- by recursive CTEs, so every run of the demo migrates the same rows.
-- Scale: 40 000 riders, 4 000 drivers, 250 000 trips and their payments.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;
CREATE TABLE riders (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE,
	phone TEXT,
	rating REAL,
	created_at TEXT NOT NULL
);
CREATE TABLE drivers (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	license_no TEXT NOT NULL UNIQUE,
	status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'offline')),
	rating REAL,
	joined_at TEXT NOT NULL
);
CREATE TABLE vehicles (
	id INTEGER PRIMARY KEY,
	driver_id INTEGER NOT NULL REFERENCES drivers(id),
	plate TEXT NOT NULL UNIQUE,
	model TEXT NOT NULL,
	seats INTEGER NOT NULL
);
CREATE TABLE trips (
	id INTEGER PRIMARY KEY,
	rider_id INTEGER NOT NULL REFERENCES riders(id),
	driver_id INTEGER NOT NULL REFERENCES drivers(id),
	status TEXT NOT NULL,
	pickup_lat REAL, pickup_lon REAL, dropoff_lat REAL, dropoff_lon REAL,
	distance_m INTEGER NOT NULL,
	fare_cents INTEGER NOT NULL,
	requested_at TEXT NOT NULL,
	notes TEXT
);
CREATE TABLE payments (
	id INTEGER PRIMARY KEY,
	trip_id INTEGER NOT NULL REFERENCES trips(id),
	method TEXT NOT NULL,
	amount_cents INTEGER NOT NULL,
	currency TEXT NOT NULL DEFAULT 'EGP',
	paid_at TEXT
);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
INSERT INTO riders
SELECT i, 'Rider ' || i, 'rider' || i || '@example.com',
    '+20' || printf('%010d', (i * 7919) % 10000000000),
    round(3.5 + ((i * 37) % 150) / 100.0, 2),
    datetime('2023-01-01', '+' || (i % 700) || ' days', '+' || (i % 86400) || ' seconds')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
INSERT INTO drivers
SELECT i, 'Driver ' || i, 'LIC-' || printf('%07d', i * 13),
    CASE i % 10 WHEN 0 THEN 'suspended' WHEN 1 THEN 'offline' ELSE 'active' END,
    round(4.0 + ((i * 53) % 100) / 100.0, 2),
    datetime('2022-06-01', '+' || (i % 500) || ' days')
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
INSERT INTO vehicles
SELECT i, i, 'EG-' || printf('%05d', i),
    CASE i % 4 WHEN 0 THEN 'Toyota Corolla' WHEN 1 THEN 'Hyundai Elantra'
        WHEN 2 THEN 'Kia Cerato' ELSE 'Nissan Sunny' END,
    CASE WHEN i % 9 = 0 THEN 6 ELSE 4 END
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250000)
INSERT INTO trips
SELECT i, 1 + (i * 7) % 40000, 1 + (i * 11) % 4000,
    CASE WHEN i % 17 = 0 THEN 'cancelled' ELSE 'completed' END,
    30.0 + ((i * 31) % 10000) / 100000.0, 31.2 + ((i * 47) % 10000) / 100000.0,
    30.0 + ((i * 71) % 10000) / 100000.0, 31.2 + ((i * 89) % 10000) / 100000.0,
    500 + (i * 97) % 30000,
    1500 + (i * 131) % 25000,
    datetime('2024-01-01', '+' || (i * 113 % 31536000) || ' seconds'),
    CASE WHEN i % 50 = 0 THEN 'rider note: café ☕ near gate ' || (i % 9) END
FROM n;

INSERT INTO payments(id, trip_id, method, amount_cents, paid_at)
SELECT id, id, CASE id % 3 WHEN 0 THEN 'card' WHEN 1 THEN 'cash' ELSE 'wallet' END,
    fare_cents, datetime(requested_at, '+25 minutes')
FROM trips WHERE status = 'completed';

CREATE INDEX trips_rider ON trips(rider_id);
CREATE INDEX trips_driver ON trips(driver_id);
CREATE INDEX payments_trip ON payments(trip_id);
COMMIT;
