package demo

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

// TestLoadAdvisories publishes the demo advisory on top of the demo
// organisation: every role sees it, and its CSAF document passes Hikeshi's
// checks. (Until Load calls loadAdvisories the test calls it itself.)
func TestLoadAdvisories(t *testing.T) {
	ctx := context.Background()
	svc := service.New(storetest.NewSQLite(t), service.Options{})
	if _, err := Load(ctx, svc); err != nil {
		t.Fatal(err)
	}
	sys := hikeshi.SystemActor("test")
	byRole := map[hikeshi.Role]hikeshi.User{}
	us, err := svc.Users.List(ctx, sys, hikeshi.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if _, ok := byRole[u.Role]; !ok {
			byRole[u.Role] = u
		}
	}
	if as, _ := svc.Advisories.List(ctx, sys, hikeshi.AdvisoryFilter{}); len(as) == 0 {
		if err := loadAdvisories(ctx, svc, byRole); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range hikeshi.Roles {
		as, err := svc.Advisories.List(ctx, hikeshi.ActorFor(byRole[r], "test"), hikeshi.AdvisoryFilter{})
		if err != nil || len(as) != 1 || as[0].Revision != 1 || as[0].PublishedTLP != hikeshi.TLPClear {
			t.Fatalf("%s: %+v %v", r, as, err)
		}
	}
	docs, err := svc.Advisories.PublicDocuments(ctx)
	if err != nil || len(docs) != 1 {
		t.Fatalf("public %v %v", docs, err)
	}
	d, err := svc.Advisories.PublicDocument(ctx, docs[0].Year, docs[0].Filename)
	if err != nil {
		t.Fatal(err)
	}
	var doc hikeshi.CSAFDocument
	if err := json.Unmarshal([]byte(d.JSON), &doc); err != nil {
		t.Fatal(err)
	}
	if ps := hikeshi.ValidateCSAF(doc); len(ps) > 0 || doc.Document.Lang != "ja" || len(doc.Document.Notes) != 2 {
		t.Errorf("demo CSAF: %v\n%s", ps, d.JSON)
	}
}
