package service_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/service"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestReportAttachments(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		put := func(n int) service.AttachmentInput {
			t.Helper()
			b := make([]byte, n)
			rand.Read(b)
			blob, err := f.svc.Reports.StoreAttachment(ctx, bytes.NewReader(b), 0)
			if err != nil {
				t.Fatal(err)
			}
			return service.AttachmentInput{SHA256: blob.SHA256, Filename: "f.bin"}
		}
		small := put(10)
		big := []service.AttachmentInput{put(9 << 20), put(9 << 20), put(9 << 20)}
		for _, tc := range []struct {
			name string
			in   []service.AttachmentInput
			code string
		}{
			{"too many", []service.AttachmentInput{small, small, small, small, small, small}, "too_many"},
			{"too large together", big, "too_large_total"},
			{"never stored", []service.AttachmentInput{{SHA256: strings.Repeat("a", 64), Filename: "x"}}, "unknown"},
		} {
			_, err := f.svc.Reports.Submit(ctx, hikeshi.Actor{}, service.ReportInput{Description: "x", Attachments: tc.in})
			var ve *hikeshi.ValidationError
			if !errors.As(err, &ve) || ve.Fields[0].Field != "attachments" || ve.Fields[0].Code != tc.code {
				t.Errorf("%s: got %v, want attachments/%s", tc.name, err, tc.code)
			}
		}
		if list, _ := f.svc.Reports.List(ctx, hikeshi.SystemActor("test"), hikeshi.ReportFilter{}); len(list) != 0 {
			t.Errorf("%d reports after refused submissions", len(list))
		}
		// One file over the per-file limit is refused while it is stored.
		_, err := f.svc.Reports.StoreAttachment(ctx, io.LimitReader(rand.Reader, hikeshi.MaxAttachmentSize+1), 0)
		var ve *hikeshi.ValidationError
		if !errors.As(err, &ve) || ve.Fields[0].Field != "attachments" || ve.Fields[0].Code != "too_large" {
			t.Errorf("oversize file: %v", err)
		}

		// Three files, the member's own report: they and the CSIRT read them, another member does not.
		in := []service.AttachmentInput{small, big[0], big[1]}
		in[0].Filename = "../../証拠\u202e.txt"
		sub, err := f.svc.Reports.Submit(ctx, actor(f.member), service.ReportInput{Description: "x", Attachments: in})
		if err != nil {
			t.Fatal(err)
		}
		atts, err := f.svc.Reports.Attachments(ctx, actor(f.member), sub.Report.ID)
		if err != nil || len(atts) != 3 {
			t.Fatalf("attachments: %d %v", len(atts), err)
		}
		names := map[string]bool{}
		for _, a := range atts {
			names[a.Filename] = true
		}
		if !names["証拠.txt"] {
			t.Errorf("names %v; want the hostile one sanitised to 証拠.txt", names)
		}
		rc, a, err := f.svc.Reports.OpenAttachment(ctx, actor(f.csirt), sub.Report.ID, small.SHA256)
		if err != nil || a.Size != 10 {
			t.Fatalf("open: %+v %v", a, err)
		}
		if b, _ := io.ReadAll(rc); len(b) != 10 {
			t.Errorf("read %d bytes, want 10", len(b))
		}
		rc.Close()
		if _, err := f.svc.Reports.Attachments(ctx, actor(f.other), sub.Report.ID); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another member lists the attachments: %v", err)
		}
		if _, _, err := f.svc.Reports.OpenAttachment(ctx, actor(f.other), sub.Report.ID, small.SHA256); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("another member opens an attachment: %v", err)
		}
	})
}
