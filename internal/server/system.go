package server

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
)

// systemStore is what the system page reads of the database beyond
// store.Store: its schema and copies. *store.DB has it.
type systemStore interface {
	SchemaVersion(ctx context.Context) (int, error)
	LatestSchema() int
	Driver() string
}

type backupJSON struct {
	Name      string    `json:"name"`
	Bytes     int64     `json:"bytes"`
	CreatedAt time.Time `json:"created_at"`
}

// systemGet shows the installation: version, database engine, schema
// version against the binary's, and the backups in the backup directory.
func (s *Server) systemGet(w http.ResponseWriter, r *http.Request) error {
	out := map[string]any{"version": s.opts.Version, "backups": []backupJSON{}}
	if ss, ok := s.store.(systemStore); ok {
		v, err := ss.SchemaVersion(r.Context())
		if err != nil {
			return err
		}
		out["schema_version"], out["latest_schema"], out["database"] = v, ss.LatestSchema(), ss.Driver()
	}
	first, err := s.installationShop(r.Context())
	if err != nil {
		return err
	}
	// Backups copy the whole installation: only the installation's own
	// shop sees and makes them.
	ours := stateOf(r).shop.ID == first
	enabled := s.opts.BackupDir != "" && ours
	out["installation"], out["backups_enabled"] = ours, enabled
	if enabled {
		backups, err := s.listBackups()
		if err != nil {
			return err
		}
		out["backups"] = backups
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// installationShop returns the id of the installation's first shop, the one
// made at setup: its owner runs the installation. Other shops on it are
// tenants, who must not copy or list every shop's data.
func (s *Server) installationShop(ctx context.Context) (int64, error) {
	shops, err := s.store.ListShops(ctx)
	if err != nil || len(shops) == 0 {
		return 0, err
	}
	return shops[0].ID, nil
}

func (s *Server) listBackups() ([]backupJSON, error) {
	out := []backupJSON{}
	if s.opts.BackupDir == "" {
		return out, nil
	}
	entries, err := os.ReadDir(s.opts.BackupDir)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.IsDir() || !strings.HasSuffix(e.Name(), ".db") {
			continue
		}
		out = append(out, backupJSON{Name: e.Name(), Bytes: info.Size(), CreatedAt: info.ModTime().UTC()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

// backupCreate writes a consistent copy of the SQLite database into the
// backup directory. It copies every shop's data, so only the owner of the
// installation's first shop may.
func (s *Server) backupCreate(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	if st.member.Role != auth.RoleOwner {
		return errForbidden("only an owner can back up the installation")
	}
	first, err := s.installationShop(r.Context())
	if err != nil {
		return err
	}
	if st.shop.ID != first {
		return errForbidden("a backup copies every shop of the installation: only the owner of its first shop (made at setup) may make one from the console; the operator can run xiaoer backup on the server")
	}
	type backuper interface {
		Backup(ctx context.Context, path string) error
	}
	b, ok := s.store.(backuper)
	if !ok || s.opts.BackupDir == "" {
		return errConflict("backups_off", "this installation has no backup directory")
	}
	if err := os.MkdirAll(s.opts.BackupDir, 0o750); err != nil {
		return err
	}
	name := "xiaoer-" + s.now().UTC().Format("20060102T150405.000Z") + ".db"
	if err := b.Backup(r.Context(), filepath.Join(s.opts.BackupDir, name)); err != nil {
		if strings.Contains(err.Error(), "pg_dump") {
			return errConflict("backups_off", "back up PostgreSQL with pg_dump")
		}
		return err
	}
	s.audit(r, st.shop.ID, st.account.ID, "system.backup", name, "")
	info, err := os.Stat(filepath.Join(s.opts.BackupDir, name))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, backupJSON{Name: name, Bytes: info.Size(), CreatedAt: info.ModTime().UTC()})
	return nil
}
