-- bench/diff/types-pg.sql: one table per PostgreSQL type family and a
-- 30-column mixed table, ROWS rows each (psql -v rows=N).  Every column
-- holds varied values and about 1 in 50 NULLs.
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'ecstatic');
CREATE TABLE t_text (id bigint PRIMARY KEY, a text, b varchar(64));
INSERT INTO t_text SELECT g, CASE WHEN g % 50 <> 0 THEN md5(g::text) ||
  repeat('é', g % 7) END, left(md5((g * 3)::text), 1 + g % 30)
  FROM generate_series(1, :rows) g;
CREATE TABLE t_bytea (id bigint PRIMARY KEY, a bytea);
INSERT INTO t_bytea SELECT g, CASE WHEN g % 50 <> 0 THEN decode(md5(g::text),
  'hex') || decode(repeat(md5((g + 1)::text), 1 + g % 3), 'hex') END
  FROM generate_series(1, :rows) g;
CREATE TABLE t_json (id bigint PRIMARY KEY, a json, b jsonb);
INSERT INTO t_json SELECT g, CASE WHEN g % 50 <> 0 THEN json_build_object('n',
  g, 's', md5(g::text), 'f', g / 7.0, 'l', json_build_array(g % 3, 'x')) END,
  jsonb_build_object('k', g % 1000, 'v', left(md5(g::text), 12), 'b', g % 2 = 0)
  FROM generate_series(1, :rows) g;
CREATE TABLE t_uuid (id bigint PRIMARY KEY, a uuid);
INSERT INTO t_uuid SELECT g, CASE WHEN g % 50 <> 0 THEN md5(g::text)::uuid END
  FROM generate_series(1, :rows) g;
CREATE TABLE t_numeric (id bigint PRIMARY KEY, a numeric(14,4), b numeric);
INSERT INTO t_numeric SELECT g, CASE WHEN g % 50 <> 0 THEN (g * 1.3717) %
  10000000 END, g::numeric / 7 FROM generate_series(1, :rows) g;
CREATE TABLE t_int (id bigint PRIMARY KEY, a smallint, b integer, c bigint);
INSERT INTO t_int SELECT g, (g % 65536 - 32768)::int2, CASE WHEN g % 50 <> 0
  THEN (g::int8 * 1999 % 2000000000)::int END, g::int8 * 1000003 FROM generate_series(1, :rows) g;
CREATE TABLE t_float (id bigint PRIMARY KEY, a real, b double precision);
INSERT INTO t_float SELECT g, CASE WHEN g % 50 <> 0 THEN g / 3.0 END,
  g / 7.0 * pi() FROM generate_series(1, :rows) g;
CREATE TABLE t_bool (id bigint PRIMARY KEY, a boolean, b boolean);
INSERT INTO t_bool SELECT g, CASE WHEN g % 50 <> 0 THEN g % 2 = 0 END,
  g % 3 = 0 FROM generate_series(1, :rows) g;
CREATE TABLE t_date (id bigint PRIMARY KEY, a date);
INSERT INTO t_date SELECT g, CASE WHEN g % 50 <> 0 THEN date '1970-01-01' +
  (g % 40000) END FROM generate_series(1, :rows) g;
CREATE TABLE t_time (id bigint PRIMARY KEY, a time(6));
INSERT INTO t_time SELECT g, CASE WHEN g % 50 <> 0 THEN time '00:00' +
  (g * 86399.123457 % 86399) * interval '1 second' END
  FROM generate_series(1, :rows) g;
CREATE TABLE t_timestamp (id bigint PRIMARY KEY, a timestamp(6));
INSERT INTO t_timestamp SELECT g, CASE WHEN g % 50 <> 0 THEN timestamp
  '2024-01-01' + g * interval '1 second' + (g % 999983) * interval
  '1 microsecond' END FROM generate_series(1, :rows) g;
CREATE TABLE t_timestamptz (id bigint PRIMARY KEY, a timestamptz(6));
INSERT INTO t_timestamptz SELECT g, CASE WHEN g % 50 <> 0 THEN timestamptz
  '2024-01-01 00:00+00' + g * interval '1 second' + (g % 999983) * interval
  '1 microsecond' END FROM generate_series(1, :rows) g;
CREATE TABLE t_interval (id bigint PRIMARY KEY, a interval);
INSERT INTO t_interval SELECT g, CASE WHEN g % 50 <> 0 THEN make_interval(0,
  g % 13, 0, g % 31, g % 24, g % 60, (g % 997) / 10.0) END
  FROM generate_series(1, :rows) g;
CREATE TABLE t_inet (id bigint PRIMARY KEY, a inet, b cidr);
INSERT INTO t_inet SELECT g, CASE WHEN g % 50 <> 0 THEN ('10.0.0.0'::inet + g)
  END, set_masklen(('10.0.0.0'::inet + g * 256)::cidr, 24)
  FROM generate_series(1, :rows) g;
CREATE TABLE t_array (id bigint PRIMARY KEY, a integer[], b text[]);
INSERT INTO t_array SELECT g, CASE WHEN g % 50 <> 0 THEN ARRAY[g, g % 7, -g]
  END, ARRAY[left(md5(g::text), 8), 'x' || g % 10] FROM generate_series(1, :rows) g;
CREATE TABLE t_enum (id bigint PRIMARY KEY, a mood);
INSERT INTO t_enum SELECT g, CASE WHEN g % 50 <> 0 THEN (enum_range(NULL::mood))[1 + g % 4]
  END FROM generate_series(1, :rows) g;
CREATE TABLE t_wide (id bigint PRIMARY KEY, c1 integer, c2 bigint, c3 smallint,
  c4 numeric(12,2), c5 double precision, c6 real, c7 text, c8 varchar(40),
  c9 boolean, c10 date, c11 timestamp, c12 timestamptz, c13 time,
  c14 interval, c15 uuid, c16 bytea, c17 jsonb, c18 json, c19 inet,
  c20 integer[], c21 mood, c22 text, c23 integer, c24 numeric, c25 bigint,
  c26 varchar(10), c27 double precision, c28 boolean, c29 date, c30 text);
INSERT INTO t_wide SELECT g, g % 100000, g::int8 * 31, (g % 30000)::int2,
  (g % 10000) / 100.0, g / 7.0, g / 3.0, md5(g::text), left(md5(g::text), 20),
  g % 2 = 0, date '2000-01-01' + g % 9000, timestamp '2024-01-01' + g *
  interval '1 second', timestamptz '2024-01-01 00:00+00' + g * interval
  '1 ms', time '00:00' + (g % 86400) * interval '1 second',
  make_interval(0, 0, 0, g % 30, g % 24), md5(g::text)::uuid,
  decode(md5(g::text), 'hex'), jsonb_build_object('a', g % 10, 'b', 'x'),
  json_build_object('id', g), '192.168.0.0'::inet + g % 65536,
  ARRAY[g % 5, g % 7], (enum_range(NULL::mood))[1 + g % 4],
  CASE WHEN g % 50 <> 0 THEN 'note ' || g END, g % 77, g / 13.0, -g,
  left(md5(g::text), 10), g * 1.5, g % 3 = 0, date '2020-01-01' + g % 365,
  repeat('z', g % 20) FROM generate_series(1, :rows) g;
