package main

import (
	"errors"
	"fmt"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/service"
)

var tokenCreateCmd = &command{
	name:     "token create",
	synopsis: "--email E [--name N] [options]",
	summary:  "create an API token for a user and print it",
	help: `Creates an API token for the user with the e-mail address E and prints it on
standard output, followed by a newline and nothing else, so that scripts can
capture it. The token is shown only this once; the database keeps only its
hash. The creation is recorded in the audit log as done by "system (cli)".`,
	run: runTokenCreate,
}

func runTokenCreate(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	email := fs.String("email", "", "the e-mail address of the token's user (required)")
	name := fs.String("name", "", "a name that says what the token is for (default \"API token\")")
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usage(c, fs, "token create takes no arguments, but got %q", config.Printable(pos[0], 60))
	case *email == "":
		return usage(c, fs, "the --email flag is required")
	}
	db, err := e.openStore(cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := service.New(db, service.Options{})
	u, err := svc.Users.FindByEmail(e.ctx, cliActor, *email)
	if errors.Is(err, hikeshi.ErrNotFound) {
		return fmt.Errorf("there is no user with the e-mail address %q; create one with hikeshi user add", config.Printable(*email, 80))
	}
	if err != nil {
		return fmt.Errorf("cannot look up the user: %w", err)
	}
	if !u.Active() {
		return fmt.Errorf("no token was created: the account %s is disabled; enable it in the web UI first", u.Email)
	}
	_, secret, err := svc.Auth.CreateToken(e.ctx, cliActor, u.ID, *name)
	var ve *hikeshi.ValidationError
	switch {
	case errors.As(err, &ve):
		return &usageError{cmd: c, brief: true, msg: "no token was created: " + fieldMessages(ve)}
	case err != nil:
		return fmt.Errorf("no token was created: %w", err)
	}
	fmt.Fprintln(e.stdout, secret)
	return nil
}
