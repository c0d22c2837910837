-- 0010 (statistics), PostgreSQL twin of migrations/sqlite/0010_stats_version.sql:
-- the version of the computation each shop's rollups
-- were made with. When what a conversation counts changes in a release
-- (stats.ContributionVersion), the statistics job rebuilds the shops made
-- with an older one, as it does for a new time zone; 0, the version of
-- every shop before this migration, rebuilds them all once.
ALTER TABLE stats_shops ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
