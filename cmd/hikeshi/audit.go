package main

import (
	"errors"
	"fmt"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/service"
)

var auditVerifyCmd = &command{
	name:     "audit verify",
	synopsis: "[options]",
	summary:  "check the audit log's hash chain",
	help: `Walks the audit log's hash chain from its first entry. Exits 0 and prints the
number of entries when the chain is intact; exits 1 and names the first broken
entry when an entry was modified, deleted or re-ordered. It only reads, and
may run while serve is running.`,
	run: runAuditVerify,
}

func runAuditVerify(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usage(c, fs, "audit verify takes no arguments, but got %q", config.Printable(pos[0], 60))
	}
	db, err := e.openStore(cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := service.New(db, service.Options{}).Audit.Verify(e.ctx)
	var br *hikeshi.ChainBreak
	switch {
	case errors.As(err, &br):
		where := fmt.Sprintf("entry %d", br.Seq)
		if br.ID != "" {
			where += " (id " + br.ID + ")"
		}
		return fmt.Errorf("audit log broken at %s: %s; %d entries before it are intact; restore a backup taken before the change and find out who had write access to the database",
			where, br.Reason, n)
	case err != nil:
		return fmt.Errorf("cannot read the audit log: %w", err)
	}
	fmt.Fprintf(e.stdout, "audit log intact: %d entries\n", n)
	return nil
}
