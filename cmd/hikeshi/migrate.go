package main

import (
	"fmt"

	"github.com/hikeshi/hikeshi/internal/config"
)

var migrateCmd = &command{
	name:     "migrate",
	synopsis: "[options]",
	summary:  "bring the database schema up to date",
	help: `Applies the database migrations that are missing and checks those already
applied. serve does this too at start; run migrate on its own before starting
several instances against one PostgreSQL database, or to check a database.`,
	run: runMigrate,
}

func runMigrate(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(c, fs, "migrate takes no arguments, but got %q", config.Printable(pos[0], 60))
	}
	db, err := e.openStoreLogged(cfg, false, newLogger(cfg, e.stderr)) // Open migrates
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(e.ctx)
	if err != nil {
		return fmt.Errorf("cannot read the database schema version: %w", err)
	}
	fmt.Fprintf(e.stdout, "The database schema is up to date at version %d (%s).\n", v, db.Describe())
	return nil
}
