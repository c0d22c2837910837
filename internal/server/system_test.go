package server

import (
	"testing"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// TestSystemPage: the owner backs up the database from the console, the
// copy opens and holds the shop, and the system page lists it with the
// schema version.
func TestSystemPage(t *testing.T) {
	env := newTestEnv(t)
	owner := env.login("alpha-owner")
	path := shopURL(env.shops["alpha"].ID, "/system")
	var made backupJSON
	if st := owner.do("POST", path+"/backups", nil, &made); st != 201 || made.Bytes == 0 {
		t.Fatalf("backup: %d %+v", st, made)
	}
	var sys struct {
		Version       string       `json:"version"`
		SchemaVersion int          `json:"schema_version"`
		LatestSchema  int          `json:"latest_schema"`
		Database      string       `json:"database"`
		Backups       []backupJSON `json:"backups"`
	}
	if st := env.login("alpha-admin").do("GET", path, nil, &sys); st != 200 {
		t.Fatalf("system: %d", st)
	}
	if sys.SchemaVersion == 0 || sys.SchemaVersion != sys.LatestSchema || sys.Database != "sqlite" || len(sys.Backups) != 1 || sys.Backups[0].Name != made.Name {
		t.Fatalf("system page %+v", sys)
	}
	copyDB, err := store.Open(t.Context(), store.Options{DSN: env.srv.opts.BackupDir + "/" + made.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	if _, err := copyDB.GetShopBySlug(t.Context(), "alpha"); err != nil {
		t.Fatalf("the backup lacks the shop: %v", err)
	}
	// An admin may look but not copy every shop's data.
	if st := env.login("alpha-admin").do("POST", path+"/backups", nil, nil); st != 403 {
		t.Fatalf("admin backup: %d", st)
	}
	// The owner of another shop on the installation (a tenant) may
	// neither make nor see the installation's backups.
	betaPath := shopURL(env.shops["beta"].ID, "/system")
	if st := env.login("beta-owner").do("POST", betaPath+"/backups", nil, nil); st != 403 {
		t.Fatalf("a tenant's owner made a backup: %d", st)
	}
	var tenant struct {
		Backups []backupJSON `json:"backups"`
		Enabled bool         `json:"backups_enabled"`
	}
	if st := env.login("beta-owner").do("GET", betaPath, nil, &tenant); st != 200 || len(tenant.Backups) != 0 || tenant.Enabled {
		t.Fatalf("a tenant's system page: %d %+v", st, tenant)
	}
}
