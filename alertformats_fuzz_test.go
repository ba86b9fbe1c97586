package hikeshi

import (
	"errors"
	"os"
	"testing"
)

// fuzzDecoder checks that a decoder never panics, refuses only with
// ErrInvalid, and returns only alerts that hold the invariants.
func fuzzDecoder(f *testing.F, format AlertFormat, extra ...string) {
	for _, file := range alertSamples(f) {
		if sampleFormat(file) == format {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeAlertPayload(format, body)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if len(r.Alerts)+r.Skipped > MaxAlertsPerPayload {
			t.Fatalf("%d records", len(r.Alerts)+r.Skipped)
		}
		for _, a := range r.Alerts {
			if a.Format != format {
				t.Fatalf("format %s", a.Format)
			}
			checkAlertInvariants(t, a)
		}
	})
}

func FuzzDecodeGeneric(f *testing.F) {
	fuzzDecoder(f, FormatGeneric, `{"title":"x","labels":{"a":"b"},"observables":[{"type":"url","value":"hxxp://a[.]b/c"}]}`, `[{"title":"\u00e9"}]`, `{"alerts":[]}`)
}

func FuzzDecodeAlertmanager(f *testing.F) {
	fuzzDecoder(f, FormatAlertmanager, `{"version":"4","alerts":[{"labels":{"alertname":"x"}}]}`)
}

func FuzzDecodeSuricata(f *testing.F) {
	fuzzDecoder(f, FormatSuricata, `{"event_type":"alert","alert":{"signature":"s","severity":1}}`)
}

func FuzzDecodeWazuh(f *testing.F) {
	fuzzDecoder(f, FormatWazuh, `{"rule":{"id":"1","level":15}}`)
}

func FuzzDecodeECS(f *testing.F) {
	fuzzDecoder(f, FormatECS, `{"event.kind":"alert","event":{"severity":"x"},"a":[[1,[2]],{"b":3}]}`)
}
