package store

import "io/fs"

// SetMigrations makes db migrate with the files in fsys (NNNN_what.sql at
// its root) instead of the embedded ones, so tests can build an older schema
// and then migrate it.
func SetMigrations(db *DB, fsys fs.FS) { db.migrationFS = fsys }

// MigrationFiles returns the embedded migrations of a dialect.
func MigrationFiles(dialect string) (fs.FS, error) {
	return fs.Sub(migrationFiles, "migrations/"+dialect)
}
