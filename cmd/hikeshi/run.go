package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/store"
)

// Exit statuses of CONTRACT.md.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is what a command may touch of the outside world. Commands get it
// instead of reaching for os.*, so tests run them in-process.
type env struct {
	ctx    context.Context
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one sub-command of the binary.
type command struct {
	name     string // "user add"
	synopsis string // what follows the name in the usage line
	summary  string // one line for the command list
	help     string // a paragraph for -h
	run      func(e *env, c *command, args []string) error
}

// commands lists every command in the order of the help text.
var commands = []*command{
	serveCmd, migrateCmd, userAddCmd, tokenCreateCmd, auditVerifyCmd, backupCmd, restoreCmd, catalogImportCmd, benchSimulateCmd, benchIntakeCmd, benchMailCmd, versionCmd,
}

// cliActor is the actor of every change made from the command line, so that it
// lands in the audit log.
var cliActor = hikeshi.SystemActor("cli")

// errHelpShown means the help was printed on request: exit 0.
var errHelpShown = errors.New("help shown")

// usageError is a command-line mistake: its message and the command's usage
// go to standard error and the exit status is 2.
type usageError struct {
	cmd   *command
	fs    *flag.FlagSet // nil: print no option list
	msg   string
	brief bool // true: print only the message and a pointer to -h
	// list, when not nil, prints the usage instead (top level and groups).
	list func(w io.Writer)
}

func (e *usageError) Error() string { return e.msg }

// run is the whole program: it parses args (without the program name) and
// runs one command. SIGINT and SIGTERM cancel ctx; a second signal ends the
// process at once.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	e := &env{ctx: ctx, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	return e.exit(e.dispatch(args))
}

// dispatch finds the command named by the first one or two arguments.
func (e *env) dispatch(args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "no command given", list: printCommands}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return e.dispatch(append(append([]string{}, args[1:]...), "-h"))
		}
		printCommands(e.stdout)
		return errHelpShown
	case "-version", "--version":
		return versionCmd.run(e, versionCmd, args[1:])
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if words[0] != args[0] {
			continue
		}
		if len(words) == 1 {
			return c.run(e, c, args[1:])
		}
		// A group such as "user": the second word picks the command.
		if len(args) > 1 && args[1] == words[1] {
			return c.run(e, c, args[2:])
		}
	}
	if group := groupOf(args[0]); group != nil {
		if len(args) > 1 && isHelp(args[1]) {
			printGroup(e.stdout, args[0], group)
			return errHelpShown
		}
		list := func(w io.Writer) { printGroup(w, args[0], group) }
		if len(args) == 1 {
			return &usageError{msg: fmt.Sprintf("%q needs a sub-command", args[0]), list: list}
		}
		return &usageError{msg: fmt.Sprintf("%q is not a sub-command of %q", config.Printable(args[1], 60), args[0]), list: list}
	}
	return &usageError{msg: fmt.Sprintf("unknown command %q", config.Printable(args[0], 60)), list: printCommands}
}

func isHelp(s string) bool { return s == "-h" || s == "-help" || s == "--help" || s == "help" }

// groupOf returns the commands whose name starts with the word group.
func groupOf(group string) []*command {
	var out []*command
	for _, c := range commands {
		if w := strings.Fields(c.name); len(w) > 1 && w[0] == group {
			out = append(out, c)
		}
	}
	return out
}

// exit prints err the way its kind asks and returns the exit status.
func (e *env) exit(err error) int {
	var ue *usageError
	var ce *config.UsageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelpShown):
		return exitOK
	case errors.As(err, &ue):
		prefix := "hikeshi"
		if ue.cmd != nil {
			prefix += " " + ue.cmd.name
		}
		fmt.Fprintf(e.stderr, "%s: %s\n", prefix, oneLine(ue.msg))
		switch {
		case ue.list != nil:
			fmt.Fprintln(e.stderr)
			ue.list(e.stderr)
		case ue.cmd != nil && ue.brief:
			fmt.Fprintf(e.stderr, "Run \"hikeshi %s -h\" for help.\n", ue.cmd.name)
		case ue.cmd != nil:
			fmt.Fprintln(e.stderr)
			printUsage(e.stderr, ue.cmd, ue.fs)
		}
		return exitUsage
	case errors.As(err, &ce):
		fmt.Fprintf(e.stderr, "hikeshi: %s\n", oneLine(ce.Msg))
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "hikeshi: %s\n", oneLine(err.Error()))
		return exitFailure
	}
}

// oneLine keeps an error message on one line, so it reads as one sentence.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// load parses a command's arguments: its own flags, already on fs, and the
// common options of internal/config. It turns -h into printed help and
// every mistake into a *usageError.
func (e *env) load(c *command, fs *flag.FlagSet, args []string) (config.Config, []string, error) {
	cfg, pos, err := config.Load(fs, args, e.getenv)
	if errors.Is(err, flag.ErrHelp) {
		printUsage(e.stdout, c, fs)
		return config.Config{}, nil, errHelpShown
	}
	var ce *config.UsageError
	if errors.As(err, &ce) {
		return config.Config{}, nil, &usageError{cmd: c, fs: fs, msg: ce.Msg, brief: !strings.HasPrefix(ce.Msg, "flag ")}
	}
	return cfg, pos, err
}

// newFlagSet returns an empty flag set for c that reports errors instead of
// printing them.
func newFlagSet(c *command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// usage returns a *usageError for c.
func usage(c *command, fs *flag.FlagSet, format string, args ...any) error {
	return &usageError{cmd: c, fs: fs, msg: fmt.Sprintf(format, args...)}
}

// newLogger builds the process's logger from the configuration; logs go to
// standard error.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens the configured database. readOnly commands neither create
// nor migrate anything. store.Open's errors are already sentences for users.
func (e *env) openStore(cfg config.Config, readOnly bool) (*store.DB, error) {
	return e.openStoreLogged(cfg, readOnly, nil)
}

// openStoreLogged is openStore telling log of the migrations it applies.
func (e *env) openStoreLogged(cfg config.Config, readOnly bool, log *slog.Logger) (*store.DB, error) {
	return store.Open(e.ctx, store.Options{DB: cfg.DB, DataDir: cfg.DataDir, ReadOnly: readOnly, Log: log})
}

// printCommands writes the top-level help.
func printCommands(w io.Writer) {
	fmt.Fprint(w, `Hikeshi joins a CSIRT's incident handling with the ISMS that improves the
organisation's security measures.

Usage: hikeshi <command> [options] [arguments]

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Every command takes -h for its options. The storage options (--data-dir,
--db, …) and their environment variables are the same for every command.
`)
}

func printGroup(w io.Writer, group string, cs []*command) {
	fmt.Fprintf(w, "Usage: hikeshi %s <sub-command> [options]\n\nSub-commands:\n", group)
	for _, c := range cs {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun \"hikeshi %s <sub-command> -h\" for its options.\n", group)
}

// printUsage writes a command's usage line, description and options, with
// the GNU-style double dash that the documentation uses.
func printUsage(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: hikeshi %s %s\n\n%s\n", c.name, c.synopsis, strings.TrimSpace(c.help))
	if fs == nil {
		return
	}
	var own, common []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) {
		if config.IsCommon(f.Name) {
			common = append(common, f)
		} else {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		fmt.Fprint(w, "\nOptions:\n")
		printFlags(w, own)
	}
	if len(common) > 0 {
		fmt.Fprint(w, "\nOptions of every command (flags win over the environment variables in brackets):\n")
		printFlags(w, common)
	}
}

func printFlags(w io.Writer, fl []*flag.Flag) {
	for _, f := range fl {
		name, text := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n      %s", line, text)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	}
}
