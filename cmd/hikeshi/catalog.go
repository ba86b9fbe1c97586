package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/config"
	"github.com/hikeshi/hikeshi/internal/service"
)

var catalogImportCmd = &command{
	name:     "catalog import",
	synopsis: "[--framework KEY] [--name NAME] [options] FILE",
	summary:  "import a framework from an OSCAL catalog",
	help: `Imports an OSCAL XML catalog (NIST's CSF 2.0 catalog, or an organisation's
own) as a framework: every group and control becomes a requirement, and
items the catalog withdrew are kept, marked withdrawn. KEY (lower-case
letters, digits, dots, dashes) names the framework; it may be left out for
NIST CSF 2.0, whose key is nist-csf-2.0. NAME defaults to the catalog's
title. Importing the same catalog again updates titles and adds new items.
A malformed file is refused with its line and element, and nothing is
imported. Prints how many requirements of each kind were imported, current
and withdrawn. The import is recorded in the audit log as done by
"system (cli)".`,
	run: runCatalogImport,
}

func runCatalogImport(e *env, c *command, args []string) error {
	fs := newFlagSet(c)
	key := fs.String("framework", "", "the framework's key, e.g. nist-csf-2.0 (default: from the catalog's metadata)")
	name := fs.String("name", "", "the framework's name (default: the catalog's title)")
	cfg, pos, err := e.load(c, fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usage(c, fs, "catalog import needs the catalog file")
	case len(pos) > 1:
		return usage(c, fs, "catalog import takes one file, but got also %q", config.Printable(pos[1], 60))
	case *key != "" && !hikeshi.FrameworkKeyValid(*key):
		return usage(c, fs, "the framework key %q is not 1 to 63 lower-case letters, digits, dots and dashes", config.Printable(*key, 60))
	case *key == hikeshi.ISO27001Key:
		return usage(c, fs, "the framework key %s is the built-in framework's; choose another", *key)
	}
	path := pos[0]
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open the catalog %s: %w", config.Printable(path, 200), errors.Unwrap(err))
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return fmt.Errorf("cannot import %s: it is not a regular file", config.Printable(path, 200))
	}
	cat, err := hikeshi.ParseCatalog(f)
	if err != nil {
		return fmt.Errorf("cannot import %s: %w; nothing was imported", config.Printable(path, 200), err)
	}
	if *key == "" {
		*key = cat.SuggestedKey
	}
	if *key == "" {
		return usage(c, fs, "the catalog's metadata names no known framework; give its key with --framework")
	}
	if *name == "" {
		*name = cat.Title
	}
	if *name == "" {
		return usage(c, fs, "the catalog has no title; give the framework's name with --name")
	}

	db, err := e.openStore(cfg, false)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := service.New(db, service.Options{}).Frameworks.Import(e.ctx, cliActor, *key, *name, cat)
	if err != nil {
		return fmt.Errorf("cannot import %s: %w; nothing was imported", config.Printable(path, 200), err)
	}
	how := "updated"
	if res.Created {
		how = "new"
	}
	fmt.Fprintf(e.stdout, "imported framework %s %q (%s)\n", res.Framework.Key, res.Framework.Name, how)
	for _, k := range res.Counts {
		fmt.Fprintf(e.stdout, "  %s: %d current, %d withdrawn\n", plural(k.Kind), k.Current, k.Withdrawn)
	}
	return nil
}

// plural names a requirement kind in the plural for the summary.
func plural(kind string) string {
	switch {
	case kind == "":
		return kind
	case kind[len(kind)-1] == 'y':
		return kind[:len(kind)-1] + "ies"
	case kind[len(kind)-1] == 's':
		return kind
	}
	return kind + "s"
}
