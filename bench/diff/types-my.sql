-- bench/diff/types-my.sql: one table per MariaDB type family and a
-- 30-column mixed table, :rows rows each (types.sh substitutes :rows).
-- About 1 in 50 values NULL.
CREATE TABLE t_varchar (id bigint PRIMARY KEY, a varchar(64), b text);
INSERT INTO t_varchar SELECT seq, IF(seq % 50 <> 0, CONCAT(MD5(seq), REPEAT('é', seq % 7)), NULL),
  LEFT(MD5(seq * 3), 1 + seq % 30) FROM seq_1_to_:rows;
CREATE TABLE t_blob (id bigint PRIMARY KEY, a blob);
INSERT INTO t_blob SELECT seq, IF(seq % 50 <> 0, CONCAT(UNHEX(MD5(seq)),
  UNHEX(REPEAT(MD5(seq + 1), 1 + seq % 3))), NULL) FROM seq_1_to_:rows;
CREATE TABLE t_json (id bigint PRIMARY KEY, a json);
INSERT INTO t_json SELECT seq, IF(seq % 50 <> 0, JSON_OBJECT('n', seq, 's', MD5(seq),
  'f', seq / 7, 'l', JSON_ARRAY(seq % 3, 'x')), NULL) FROM seq_1_to_:rows;
CREATE TABLE t_decimal (id bigint PRIMARY KEY, a decimal(14,4), b decimal(30,10));
INSERT INTO t_decimal SELECT seq, IF(seq % 50 <> 0, (seq * 1.3717) % 10000000, NULL),
  seq / 7 FROM seq_1_to_:rows;
CREATE TABLE t_int (id bigint PRIMARY KEY, a smallint, b int, c bigint);
INSERT INTO t_int SELECT seq, CAST(seq % 65536 AS SIGNED) - 32768, IF(seq % 50 <> 0,
  seq * 1999 % 2000000000, NULL), seq * 1000003 FROM seq_1_to_:rows;
CREATE TABLE t_float (id bigint PRIMARY KEY, a float, b double);
INSERT INTO t_float SELECT seq, IF(seq % 50 <> 0, seq / 3, NULL), seq / 7 * PI()
  FROM seq_1_to_:rows;
CREATE TABLE t_bool (id bigint PRIMARY KEY, a boolean, b boolean);
INSERT INTO t_bool SELECT seq, IF(seq % 50 <> 0, seq % 2 = 0, NULL), seq % 3 = 0
  FROM seq_1_to_:rows;
CREATE TABLE t_date (id bigint PRIMARY KEY, a date);
INSERT INTO t_date SELECT seq, IF(seq % 50 <> 0, DATE('1970-01-01') +
  INTERVAL (seq % 40000) DAY, NULL) FROM seq_1_to_:rows;
CREATE TABLE t_time (id bigint PRIMARY KEY, a time(6));
INSERT INTO t_time SELECT seq, IF(seq % 50 <> 0, SEC_TO_TIME((seq * 86399.123457) % 86399),
  NULL) FROM seq_1_to_:rows;
CREATE TABLE t_datetime (id bigint PRIMARY KEY, a datetime(6));
INSERT INTO t_datetime SELECT seq, IF(seq % 50 <> 0, TIMESTAMP('2024-01-01') +
  INTERVAL seq SECOND + INTERVAL (seq % 999983) MICROSECOND, NULL) FROM seq_1_to_:rows;
CREATE TABLE t_timestamp (id bigint PRIMARY KEY, a timestamp(6) NULL DEFAULT NULL);
INSERT INTO t_timestamp SELECT seq, IF(seq % 50 <> 0, TIMESTAMP('2024-01-01') +
  INTERVAL seq SECOND + INTERVAL (seq % 999983) MICROSECOND, NULL) FROM seq_1_to_:rows;
CREATE TABLE t_enum (id bigint PRIMARY KEY, a enum('sad','ok','happy','ecstatic'),
  b set('a','b','c'));
INSERT INTO t_enum SELECT seq, IF(seq % 50 <> 0, ELT(1 + seq % 4, 'sad', 'ok',
  'happy', 'ecstatic'), NULL), ELT(1 + seq % 3, 'a', 'a,b', 'c') FROM seq_1_to_:rows;
CREATE TABLE t_bit (id bigint PRIMARY KEY, a bit(8), b bit(64));
INSERT INTO t_bit SELECT seq, IF(seq % 50 <> 0, CAST(seq % 256 AS UNSIGNED), NULL),
  CAST(seq * 1000003 AS UNSIGNED) FROM seq_1_to_:rows;
CREATE TABLE t_uuid (id bigint PRIMARY KEY, a uuid);
INSERT INTO t_uuid SELECT seq, IF(seq % 50 <> 0, CONCAT('00000000-0000-4000-8000-',
  LPAD(HEX(seq), 12, '0')), NULL) FROM seq_1_to_:rows;
CREATE TABLE t_wide (id bigint PRIMARY KEY, c1 int, c2 bigint, c3 smallint,
  c4 decimal(12,2), c5 double, c6 float, c7 text, c8 varchar(40), c9 boolean,
  c10 date, c11 datetime(6), c12 timestamp(6) NULL DEFAULT NULL, c13 time,
  c14 varchar(20), c15 uuid, c16 blob, c17 json, c18 json, c19 varchar(45),
  c20 varchar(30), c21 enum('sad','ok','happy','ecstatic'), c22 text, c23 int,
  c24 decimal(30,10), c25 bigint, c26 varchar(10), c27 double, c28 boolean,
  c29 date, c30 text);
INSERT INTO t_wide SELECT seq, seq % 100000, seq * 31, seq % 30000,
  (seq % 10000) / 100, seq / 7, seq / 3, MD5(seq), LEFT(MD5(seq), 20),
  seq % 2 = 0, DATE('2000-01-01') + INTERVAL (seq % 9000) DAY,
  TIMESTAMP('2024-01-01') + INTERVAL seq SECOND, TIMESTAMP('2024-01-01') +
  INTERVAL seq * 1000 MICROSECOND, SEC_TO_TIME(seq % 86400),
  CONCAT(seq % 30, ' days'), CONCAT('00000000-0000-4000-8000-', LPAD(HEX(seq), 12, '0')),
  UNHEX(MD5(seq)), JSON_OBJECT('a', seq % 10, 'b', 'x'), JSON_OBJECT('id', seq),
  CONCAT('192.168.', (seq >> 8) % 256, '.', seq % 256),
  CONCAT('{', seq % 5, ',', seq % 7, '}'), ELT(1 + seq % 4, 'sad', 'ok', 'happy', 'ecstatic'),
  IF(seq % 50 <> 0, CONCAT('note ', seq), NULL), seq % 77, seq / 13, -seq,
  LEFT(MD5(seq), 10), seq * 1.5, seq % 3 = 0, DATE('2020-01-01') + INTERVAL (seq % 365) DAY,
  REPEAT('z', seq % 20) FROM seq_1_to_:rows;
