package main

import (
	"errors"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/hikeshi/hikeshi/internal/config"
)

var versionCmd = &command{
	name:     "version",
	synopsis: "",
	summary:  "print the version of this binary",
	help:     `Prints the version of this binary, the commit it was built from when known, and the Go version.`,
	run:      runVersion,
}

func runVersion(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	pos, err := config.Parse(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(e.stdout, c, fs)
			return errHelpShown
		}
		return &usageError{cmd: c, fs: fs, msg: err.Error()}
	}
	if len(pos) > 0 {
		return usage(c, fs, "version takes no arguments, but got %q", config.Printable(pos[0], 60))
	}
	fmt.Fprintln(e.stdout, versionString())
	return nil
}

// versionString describes the binary from its embedded build information.
func versionString() string {
	version, revision, modified := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "hikeshi " + version
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		out += " commit " + revision
		if modified {
			out += " (modified)"
		}
	}
	return out + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
