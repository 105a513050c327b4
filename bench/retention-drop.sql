\timing on
DROP SCHEMA IF EXISTS dropbench CASCADE; CREATE SCHEMA dropbench;
CREATE TABLE dropbench.plain (event_id uuid NOT NULL, client_id text, uid bigint NOT NULL, pid bigint NOT NULL, ts timestamptz NOT NULL);
CREATE INDEX plain_uid_ts ON dropbench.plain (uid, ts);
CREATE TABLE dropbench.parted (LIKE dropbench.plain INCLUDING ALL) PARTITION BY RANGE (ts);
CREATE TABLE dropbench.parted_20261106 PARTITION OF dropbench.parted FOR VALUES FROM ('2026-11-06T00:00:00Z') TO ('2026-11-07T00:00:00Z');
CREATE TABLE dropbench.parted_20261107 PARTITION OF dropbench.parted FOR VALUES FROM ('2026-11-07T00:00:00Z') TO ('2026-11-08T00:00:00Z');
INSERT INTO dropbench.plain SELECT gen_random_uuid(), NULL, (random()*1e6)::bigint, (random()*1e5)::bigint, timestamptz '2026-11-06T00:00:00Z' + (g % 172800) * interval '1 second' FROM generate_series(1, 6000000) g;
INSERT INTO dropbench.parted SELECT * FROM dropbench.plain;
VACUUM ANALYZE dropbench.plain; VACUUM ANALYZE dropbench.parted;
\echo DELETE one day (3,000,000 rows) from the plain table
DELETE FROM dropbench.plain WHERE ts < '2026-11-07T00:00:00Z';
\echo DROP the day partition (3,000,000 rows)
DROP TABLE dropbench.parted_20261106;
SELECT pg_size_pretty(pg_total_relation_size('dropbench.plain')) AS plain_after_delete, pg_size_pretty(pg_total_relation_size('dropbench.parted_20261107')) AS parted_after_drop;
DROP SCHEMA dropbench CASCADE;
