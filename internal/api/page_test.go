package api

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLimit(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 50, false}, {"1", 1, false}, {"500", 500, false}, {"0", 0, true}, {"501", 0, true},
		{"-5", 0, true}, {"ten", 0, true}, {"1.5", 0, true}, {"99999999999999999999", 0, true}, {" 5", 0, true},
	} {
		got, err := parseLimit(tc.in)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("parseLimit(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestCursor(t *testing.T) {
	id := "0190a0b0-0000-7000-8000-000000000000"
	for _, tc := range []struct {
		name    string
		cursor  string
		valid   func(string) bool
		want    string
		wantErr bool
	}{
		{"round trip", encodeCursor("users", id), validID, id, false},
		{"seq", encodeCursor("audit", "42"), validSeq, "42", false},
		{"other collection", encodeCursor("departments", id), validID, "", true},
		{"not base64", "%%%", validID, "", true},
		{"padded base64", encodeCursor("users", id) + "=", validID, "", true},
		{"bad key", encodeCursor("users", "'; DROP TABLE users; --"), validID, "", true},
		{"upper-case id", encodeCursor("users", "0190A0B0-0000-7000-8000-000000000000"), validID, "", true},
		{"zero seq", encodeCursor("audit", "0"), validSeq, "", true},
		{"leading zero seq", encodeCursor("audit", "042"), validSeq, "", true},
		{"empty key", encodeCursor("users", ""), validID, "", true},
		{"huge", string(make([]byte, 300)), validID, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			coll := "users"
			if tc.name == "seq" || tc.name == "zero seq" || tc.name == "leading zero seq" {
				coll = "audit"
			}
			got, err := decodeCursor(coll, tc.cursor, tc.valid)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("decodeCursor = %q, %v; want %q, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestFetchPage checks the last-page detection, also at the store's maximum
// page size, where one extra item cannot be asked for.
func TestFetchPage(t *testing.T) {
	items := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("%04d", i)
		}
		return out
	}
	for _, tc := range []struct {
		total, limit  int
		after         string
		wantLen       int
		wantNext      string
		wantFetchSize []int
	}{
		{total: 0, limit: 5, wantLen: 0, wantFetchSize: []int{6}},
		{total: 5, limit: 5, wantLen: 5, wantFetchSize: []int{6}},
		{total: 6, limit: 5, wantLen: 5, wantNext: "0004", wantFetchSize: []int{6}},
		{total: 6, limit: 5, after: "0004", wantLen: 1, wantFetchSize: []int{6}},
		{total: 500, limit: 500, wantLen: 500, wantFetchSize: []int{500, 1}},
		{total: 501, limit: 500, wantLen: 500, wantNext: "0499", wantFetchSize: []int{500, 1}},
		{total: 499, limit: 499, wantLen: 499, wantFetchSize: []int{500}},
	} {
		t.Run(fmt.Sprintf("%d/%d/%s", tc.total, tc.limit, tc.after), func(t *testing.T) {
			all := items(tc.total)
			var sizes []int
			got, next, err := fetchPage(pageReq{limit: tc.limit, after: tc.after}, func(after string, n int) ([]string, error) {
				sizes = append(sizes, n)
				rest := all
				for i, s := range all {
					if after != "" && s <= after {
						rest = all[i+1:]
					}
				}
				return rest[:min(n, len(rest))], nil
			}, func(s string) string { return s })
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.wantLen || next != tc.wantNext {
				t.Errorf("got %d items, next %q; want %d, %q", len(got), next, tc.wantLen, tc.wantNext)
			}
			if diff := cmp.Diff(tc.wantFetchSize, sizes); diff != "" {
				t.Errorf("fetch sizes (-want +got):\n%s", diff)
			}
		})
	}
}
