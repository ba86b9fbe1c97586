package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hikeshi/hikeshi"
	"github.com/hikeshi/hikeshi/internal/store"
	"github.com/hikeshi/hikeshi/internal/storetest"
)

func TestMailMessagesRoundTrip(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		b, err := db.PutBlob(ctx, strings.NewReader("From: a@example.net\r\n\r\nraw\r\n"), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		r := newReport(1, t0)
		m1 := hikeshi.MailMessage{ID: hikeshi.NewID(), Kind: hikeshi.MailIn, MessageID: "one@example.net", RawSHA256: b.SHA256,
			FromAddress: "a@example.net", Subject: "件名", Language: "ja", Notes: 2, ReceivedAt: t0}
		time.Sleep(2 * time.Millisecond)
		m2 := hikeshi.MailMessage{ID: hikeshi.NewID(), Kind: hikeshi.MailAck, MessageID: "ack@hikeshi.example.org",
			FromAddress: "a@example.net", Subject: "ack", Language: "en", ReceivedAt: t0.Add(time.Minute)}
		err = db.InTx(ctx, func(tx hikeshi.Tx) error {
			if err := tx.CreateReport(ctx, r); err != nil {
				return err
			}
			if err := tx.SetReportChannel(ctx, r.ID, hikeshi.ChannelMail); err != nil {
				return err
			}
			m1.ReportID, m2.ReportID = r.ID, r.ID
			if err := tx.CreateMailMessage(ctx, m1); err != nil {
				return err
			}
			return tx.CreateMailMessage(ctx, m2)
		})
		if err != nil {
			t.Fatal(err)
		}
		if ch, err := db.FindReportChannel(ctx, r.ID); err != nil || ch != hikeshi.ChannelMail {
			t.Errorf("channel %q %v", ch, err)
		}
		got, err := db.FindMailMessages(ctx, r.ID)
		if err != nil || len(got) != 2 || got[0] != m1 || got[1] != m2 {
			t.Fatalf("FindMailMessages:\n got %+v\nwant %+v %+v (%v)", got, m1, m2, err)
		}
		if m, err := db.FindMailByMessageIDs(ctx, []string{"nope@x", "one@example.net", "ack@hikeshi.example.org"}); err != nil || m.ID != m2.ID {
			t.Errorf("newest of the ids: %+v %v", m, err)
		}
		if _, err := db.FindMailByMessageIDs(ctx, []string{"nope@x"}); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("unknown id: %v", err)
		}
		if _, err := db.FindMailByMessageIDs(ctx, nil); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("no ids: %v", err)
		}
		if m, err := db.FindMailDuplicate(ctx, "one@example.net", b.SHA256); err != nil || m.ID != m1.ID {
			t.Errorf("duplicate: %v", err)
		}
		if _, err := db.FindMailDuplicate(ctx, "one@example.net", strings.Repeat("0", 64)); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("same id, other content: %v", err)
		}
		// The schema refuses what the code must never write.
		for name, m := range map[string]hikeshi.MailMessage{
			"unknown report": {ID: hikeshi.NewID(), ReportID: hikeshi.NewID(), Kind: hikeshi.MailIn, MessageID: "x", ReceivedAt: t0},
			"unknown kind":   {ID: hikeshi.NewID(), ReportID: r.ID, Kind: "out", MessageID: "x", ReceivedAt: t0},
			"unknown blob":   {ID: hikeshi.NewID(), ReportID: r.ID, Kind: hikeshi.MailIn, MessageID: "x", RawSHA256: strings.Repeat("a", 64), ReceivedAt: t0},
		} {
			if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.CreateMailMessage(ctx, m) }); err == nil {
				t.Errorf("%s was stored", name)
			}
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.SetReportChannel(ctx, r.ID, "fax") }); err == nil {
			t.Error("an unknown channel was stored")
		}
		if err := db.InTx(ctx, func(tx hikeshi.Tx) error { return tx.SetReportChannel(ctx, hikeshi.NewID(), hikeshi.ChannelMail) }); !errors.Is(err, hikeshi.ErrNotFound) {
			t.Errorf("channel of an unknown report: %v", err)
		}
	})
}
