package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/hikeshi/hikeshi"

// Package paths the rules name.
const (
	root      = module
	cmd       = module + "/cmd/hikeshi"
	service   = module + "/internal/service"
	store     = module + "/internal/store"
	storetest = module + "/internal/storetest"
	httpx     = module + "/internal/httpx"
	server    = module + "/internal/server"
	config    = module + "/internal/config"
)

// transports reach the services, never the store or each other.
var transports = []string{module + "/internal/web", module + "/internal/api", module + "/internal/mailin", module + "/internal/jobs"}

// drivers are database driver import path prefixes.
var drivers = []string{"modernc.org/sqlite", "github.com/jackc/pgx", "github.com/lib/pq", "github.com/mattn/go-sqlite3"}

// pkg is the part of "go list -json" output the rules read.
type pkg struct {
	ImportPath   string
	Standard     bool
	Imports      []string
	Deps         []string
	TestImports  []string
	XTestImports []string
}

// list runs "go list -deps -json" over the module's packages.
func list(t *testing.T) map[string]*pkg {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the architecture test needs the go command on PATH: %v", err)
	}
	var stdout, stderr bytes.Buffer
	c := exec.Command(gobin, "list", "-e", "-deps", "-json=ImportPath,Standard,Imports,Deps,TestImports,XTestImports", module+"/...")
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(&stdout)
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[p.ImportPath] = &p
	}
	for _, must := range []string{root, cmd, service, store, httpx} {
		if pkgs[must] == nil {
			t.Fatalf("go list did not report %s", must)
		}
	}
	return pkgs
}

func ours(path string) bool { return path == module || strings.HasPrefix(path, module+"/") }

func isDriver(path string) bool {
	for _, d := range drivers {
		if path == d || strings.HasPrefix(path, d+"/") {
			return true
		}
	}
	return false
}

func TestDependencyRules(t *testing.T) {
	pkgs := list(t)
	var mine []*pkg
	for _, p := range pkgs {
		if ours(p.ImportPath) {
			mine = append(mine, p)
		}
	}
	slices.SortFunc(mine, func(a, b *pkg) int { return strings.Compare(a.ImportPath, b.ImportPath) })

	t.Run("the domain imports only the standard library", func(t *testing.T) {
		for _, d := range pkgs[root].Deps {
			if p := pkgs[d]; p == nil || !p.Standard {
				t.Errorf("%s depends on %s", root, d)
			}
		}
	})

	forbid := func(t *testing.T, from string, to ...string) {
		t.Helper()
		p := pkgs[from]
		if p == nil {
			return // not written yet
		}
		for _, d := range to {
			if slices.Contains(p.Deps, d) {
				t.Errorf("%s depends on %s", from, d)
			}
		}
	}
	t.Run("the services never reach storage or HTTP", func(t *testing.T) {
		forbid(t, service, store, "net/http", "database/sql")
	})
	t.Run("transports never reach the store or each other", func(t *testing.T) {
		for _, tr := range transports {
			others := slices.DeleteFunc(slices.Clone(transports), func(s string) bool { return s == tr })
			// database/sql arrives through httpx's pool metrics; the direct
			// imports are checked below.
			forbid(t, tr, append(others, store, storetest)...)
		}
	})
	t.Run("plumbing does not reach the store", func(t *testing.T) {
		forbid(t, server, store, storetest)
		forbid(t, httpx, store)
		forbid(t, config, store, service)
	})
	t.Run("only cmd/hikeshi wires the store to a transport", func(t *testing.T) {
		for _, p := range mine {
			if p.ImportPath == cmd || !slices.Contains(p.Deps, store) {
				continue
			}
			for _, tr := range transports {
				if slices.Contains(p.Deps, tr) {
					t.Errorf("%s depends on both %s and %s; only %s may wire them", p.ImportPath, store, tr, cmd)
				}
			}
		}
	})
	t.Run("database/sql and drivers only in the store", func(t *testing.T) {
		for _, p := range mine {
			inStore := p.ImportPath == store || p.ImportPath == storetest
			check := func(imports []string, kind string) {
				for _, imp := range imports {
					switch {
					case inStore:
					case isDriver(imp):
						t.Errorf("%s %simports the driver %s", p.ImportPath, kind, imp)
					case imp == "database/sql" && !(p.ImportPath == httpx && kind == ""):
						// httpx may name *sql.DB to export the pools' statistics
						// (collectors.NewDBStatsCollector); it runs no query.
						t.Errorf("%s %simports database/sql", p.ImportPath, kind)
					}
				}
			}
			check(p.Imports, "")
			check(p.TestImports, "in its tests ")
			check(p.XTestImports, "in its tests ")
		}
	})
}
