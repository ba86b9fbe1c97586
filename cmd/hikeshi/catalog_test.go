package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/nisttest"
	"github.com/hikeshi/hikeshi/internal/store"
)

// csfCatalogPath is NIST's CSF 2.0 catalog (see internal/nisttest).
func csfCatalogPath(t *testing.T) string { return nisttest.Path(t) }

const csfSummary = "  functions: 6 current, 0 withdrawn\n  categories: 22 current, 12 withdrawn\n  subcategories: 106 current, 79 withdrawn\n"

func TestCatalogImportCSF(t *testing.T) {
	path := csfCatalogPath(t)
	dir := newDataDir(t)
	r := must(t, "", "catalog", "import", "--data-dir", dir, path)
	if r.stdout != "imported framework nist-csf-2.0 \"NIST Cybersecurity Framework 2.0\" (new)\n"+csfSummary || r.stderr != "" {
		t.Errorf("first import: stdout %q stderr %q", r.stdout, r.stderr)
	}
	// Idempotent: the same counts, one framework, the same rows.
	r = must(t, "", "catalog", "import", "--data-dir", dir, "--name", "NIST CSF 2.0", path)
	if r.stdout != "imported framework nist-csf-2.0 \"NIST CSF 2.0\" (updated)\n"+csfSummary {
		t.Errorf("second import: stdout %q", r.stdout)
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	fs, err := db.FindFrameworks(ctx)
	if err != nil || len(fs) != 1 || fs[0].Name != "NIST CSF 2.0" {
		t.Fatalf("frameworks %+v, %v", fs, err)
	}
	reqs, err := db.FindRequirements(ctx, "nist-csf-2.0")
	if err != nil || len(reqs) != 6+34+185 {
		t.Fatalf("%d requirements, %v", len(reqs), err)
	}
	recs, err := db.FindAuditRecords(ctx, hikeshi.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	imports := 0
	for _, a := range recs {
		if a.Action == "framework.import" {
			imports++
			if a.ActorLabel != "system (cli)" {
				t.Errorf("audited as %q", a.ActorLabel)
			}
		}
	}
	if imports != 2 {
		t.Errorf("%d import audit entries, want 2", imports)
	}
}

func TestCatalogImportBad(t *testing.T) {
	dir := newDataDir(t)
	files := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	head := `<?xml version="1.0"?>` + "\n" + `<catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"><metadata><title>Own</title></metadata>` + "\n"
	good := write("good.xml", head+`<group id="g"><title>G</title><control id="c"><title>C</title></control></group></catalog>`)
	truncated := write("truncated.xml", head+`<group id="g"><title>G</title><control id="c"><title>C</title></control>`)
	noID := write("noid.xml", head+`<group id="g"><title>G</title>`+"\n"+`<control><title>C</title></control></group></catalog>`)
	wrongRoot := write("root.xml", `<?xml version="1.0"?><profile xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>`)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{}, 2, "needs the catalog file"},
		{"two files", []string{good, good}, 2, "takes one file"},
		{"bad key", []string{"--framework", "Bad Key!", good}, 2, "is not 1 to 63"},
		{"builtin key", []string{"--framework", hikeshi.ISO27001Key, good}, 2, "built-in"},
		{"unknown framework", []string{good}, 2, "give its key with --framework"},
		{"missing", []string{"--framework", "own", filepath.Join(files, "none.xml")}, 1, "cannot open the catalog"},
		{"directory", []string{"--framework", "own", files}, 1, "not a regular file"},
		{"truncated", []string{"--framework", "own", truncated}, 1, "nothing was imported"},
		{"control without id", []string{"--framework", "own", noID}, 1, "line 4, element <control>: a control without an id"},
		{"wrong root", []string{"--framework", "own", wrongRoot}, 1, "element <profile>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := cli(t, "", append([]string{"catalog", "import", "--data-dir", dir}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", r.code, r.stderr, tc.code, tc.want)
			}
			if tc.code == 1 && strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", r.stderr)
			}
		})
	}
	db, err := store.Open(context.Background(), store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := db.FindFrameworks(context.Background())
	db.Close()
	if err != nil || len(fs) != 0 {
		t.Fatalf("bad imports left frameworks %+v, %v", fs, err)
	}
	r := must(t, "", "catalog", "import", "--data-dir", dir, "--framework", "own", good)
	if r.stdout != "imported framework own \"Own\" (new)\n  groups: 1 current, 0 withdrawn\n  controls: 1 current, 0 withdrawn\n" {
		t.Errorf("stdout %q", r.stdout)
	}
	if r := must(t, "", "catalog", "import", "-h"); !strings.Contains(r.stdout, "Usage: hikeshi catalog import") {
		t.Errorf("help %q", r.stdout)
	}
}
