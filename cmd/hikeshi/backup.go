package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/hikeshi/hikeshi/internal/config"
)

var backupCmd = &command{
	name:     "backup",
	synopsis: "FILE [options]",
	summary:  "write a consistent copy of all data to FILE",
	help: `Writes a consistent, engine-neutral copy of all data to FILE ("-" for standard
output). It may run while serve is running. The copy is first written to
FILE.tmp and renamed to FILE only when complete, so FILE is never half a
backup. The file holds password hashes and confidential records: keep it as
safe as the database itself (it is created readable by its owner only).`,
	run: runBackup,
}

var restoreCmd = &command{
	name:     "restore",
	synopsis: "FILE [options]",
	summary:  "load a backup into an empty database",
	help: `Loads a copy made by "hikeshi backup" from FILE ("-" for standard input) into
an empty database, which is created when it does not exist. Restoring into
the other engine moves an installation, e.g. from SQLite to PostgreSQL:
  hikeshi backup hikeshi.backup
  hikeshi restore hikeshi.backup --db postgres://user:pass@host/hikeshi`,
	run: runRestore,
}

// oneFile parses a command that takes exactly one FILE argument.
func oneFile(e *env, c *command, args []string) (config.Config, string, error) {
	fs := newFlagSet(c)
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return cfg, "", err
	}
	switch {
	case len(pos) == 0:
		return cfg, "", usage(c, fs, "%s needs the FILE argument", c.name)
	case len(pos) > 1:
		return cfg, "", usage(c, fs, "%s takes one FILE argument, but got %d arguments", c.name, len(pos))
	case pos[0] == "":
		return cfg, "", usage(c, fs, "the FILE argument is empty")
	}
	return cfg, pos[0], nil
}

func runBackup(e *env, c *command, args []string) (err error) {
	cfg, file, err := oneFile(e, c, args)
	if err != nil {
		return err
	}
	db, err := e.openStore(cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	if file == "-" {
		w := bufio.NewWriterSize(e.stdout, 64<<10)
		if err := db.Backup(e.ctx, w); err != nil {
			return fmt.Errorf("the backup failed: %w", err)
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("cannot write the backup to standard output: %w", err)
		}
		return nil
	}
	tmp := file + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("cannot create the backup file: %w; check that the directory exists and is writable", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	if err := db.Backup(e.ctx, w); err != nil {
		return fmt.Errorf("the backup failed and %s was not written: %w", file, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("cannot write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("cannot move the finished backup to %s: %w", file, err)
	}
	st, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("cannot check the written backup: %w", err)
	}
	fmt.Fprintf(e.stdout, "Backup of %s written to %s (%d bytes).\n", db.Describe(), file, st.Size())
	return nil
}

func runRestore(e *env, c *command, args []string) error {
	cfg, file, err := oneFile(e, c, args)
	if err != nil {
		return err
	}
	// Open the backup before the database, so that a wrong file name leaves
	// no new database behind.
	var r io.Reader = e.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("the backup file %s does not exist; give the path of a file written by hikeshi backup", file)
			}
			return fmt.Errorf("cannot read the backup file: %w", err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return fmt.Errorf("%s is a directory; give the path of a file written by hikeshi backup", file)
		}
		r = f
	} else if r == nil {
		return errors.New("no standard input to restore from; give a FILE instead of \"-\"")
	}
	db, err := e.openStore(cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Restore(e.ctx, bufio.NewReaderSize(r, 64<<10)); err != nil {
		return fmt.Errorf("the restore into %s failed: %w", db.Describe(), err)
	}
	fmt.Fprintf(e.stdout, "Restored %s into %s.\n", file, db.Describe())
	return nil
}
