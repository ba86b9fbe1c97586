package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
)

var userAddCmd = &command{
	name:     "user add",
	synopsis: "--email E --name N --role R [--department D] [--password-stdin] [options]",
	summary:  "create a user",
	help: `Creates a user. R is one of admin, csirt, manager, member, auditor. D is the
name of a department, required for every role except admin. With
--password-stdin the password is the first line of standard input; without it
a strong password is generated and printed once on standard output.
The creation is recorded in the audit log as done by "system (cli)".`,
	run: runUserAdd,
}

// maxPasswordInput bounds what --password-stdin reads.
const maxPasswordInput = 4 << 10

func runUserAdd(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	email := fs.String("email", "", "the user's e-mail address (required)")
	name := fs.String("name", "", "the user's name (required)")
	role := fs.String("role", "", "admin, csirt, manager, member or auditor (required)")
	dept := fs.String("department", "", "the name of the user's department (required except for admin)")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return usage(c, fs, "user add takes no arguments, but got %q", config.Printable(pos[0], 60))
	case *email == "":
		return usage(c, fs, "the --email flag is required")
	case *name == "":
		return usage(c, fs, "the --name flag is required")
	case *role == "":
		return usage(c, fs, "the --role flag is required")
	case !hikeshi.Role(*role).Valid():
		return usage(c, fs, "the role %q is unknown; use one of admin, csirt, manager, member, auditor", config.Printable(*role, 40))
	case *dept == "" && hikeshi.Role(*role) != hikeshi.RoleAdmin:
		return usage(c, fs, "the --department flag is required for the role %s (only an admin may have no department)", *role)
	}

	password, generated := "", false
	if *pwStdin {
		if password, err = readPassword(e.stdin); err != nil {
			return err
		}
	} else {
		password, generated = service.GeneratePassword(), true
	}

	db, err := e.openStore(cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	in := service.UserInput{Email: *email, Name: *name, Role: hikeshi.Role(*role), Password: password}
	if *dept != "" {
		d, err := db.FindDepartmentByName(e.ctx, *dept)
		if errors.Is(err, hikeshi.ErrNotFound) {
			return unknownDepartment(e, db, *dept)
		}
		if err != nil {
			return fmt.Errorf("cannot look up the department: %w", err)
		}
		in.DepartmentID = d.ID
	}
	svc := service.New(db, service.Options{})
	u, err := svc.Users.Create(e.ctx, cliActor, in)
	var ve *hikeshi.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Conflict:
		return fmt.Errorf("the user was not created: %s", fieldMessages(ve))
	case errors.As(err, &ve):
		return &usageError{cmd: c, brief: true, msg: "the user was not created: " + fieldMessages(ve)}
	case err != nil:
		return fmt.Errorf("the user was not created: %w", err)
	}
	where := ""
	if *dept != "" {
		where = ", department " + *dept
	}
	fmt.Fprintf(e.stdout, "Created the user %s (role %s%s).\n", u.Email, u.Role, where)
	if generated {
		fmt.Fprintf(e.stdout, "The password of %s is shown only this once; pass it on securely:\n%s\n", u.Email, password)
	}
	return nil
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("--password-stdin was given but there is no standard input; pipe the password in")
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxPasswordInput), 512).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("cannot read the password from standard input: %w", err)
	}
	if err != nil && len(line) >= maxPasswordInput {
		return "", fmt.Errorf("the password on standard input is longer than %d bytes; use a shorter one", maxPasswordInput)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("--password-stdin was given but standard input holds no password; pipe one line to it, for example: printf '%s\\n' \"$PASSWORD\" | hikeshi user add …")
	}
	return line, nil
}

// unknownDepartment explains which department names exist.
func unknownDepartment(e *env, db *store.DB, name string) error {
	ds, err := db.FindDepartments(e.ctx, hikeshi.Page{Limit: hikeshi.MaxPageLimit})
	if err != nil || len(ds) == 0 {
		return fmt.Errorf("there is no department named %q; create departments in the web UI first (an admin needs none: use --role admin without --department)", config.Printable(name, 80))
	}
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = fmt.Sprintf("%q", d.Name)
	}
	slices.Sort(names)
	return fmt.Errorf("there is no department named %q; use one of %s (names match exactly)", config.Printable(name, 80), strings.Join(names, ", "))
}

// fieldMessages joins a validation error's field messages.
func fieldMessages(ve *hikeshi.ValidationError) string {
	parts := make([]string, len(ve.Fields))
	for i, f := range ve.Fields {
		field := "--" + f.Field
		if f.Field == "password" {
			field = "password"
		}
		parts[i] = field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}
