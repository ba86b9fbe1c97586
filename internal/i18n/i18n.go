// Package i18n holds the user interface's message catalogues (Japanese and
// English) and chooses a language from what a browser accepts.
//
// Catalogues are embedded JSON files mapping a dotted key to a message: en.json
// and ja.json, plus one pair per area of the product (tasks.en.json,
// tasks.ja.json …) so that areas grow without editing one shared file. A key
// defined in two files of one language is an error. A message may hold fmt verbs; both languages of a key use the
// same verbs (explicit argument indexes such as %[2]s let Japanese reorder
// them). Tests keep the two catalogues in step.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/hikeshi/hikeshi"
)

//go:embed messages/*.json
var files embed.FS

// Supported lists the interface languages, the default first.
var Supported = []hikeshi.Locale{hikeshi.LocaleEN, hikeshi.LocaleJA}

// Default is the language used when nothing else decides.
const Default = hikeshi.LocaleEN

// Translator looks up messages. It is read-only after New and safe for
// concurrent use.
type Translator struct {
	cats map[hikeshi.Locale]map[string]string
}

// New loads the embedded catalogues.
func New() (*Translator, error) {
	t := &Translator{cats: map[hikeshi.Locale]map[string]string{}}
	for _, l := range Supported {
		t.cats[l] = map[string]string{}
	}
	names, err := fs.Glob(files, "messages/*.json")
	if err != nil {
		return nil, fmt.Errorf("i18n: %w", err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(path.Base(name), ".json")
		l := hikeshi.Locale(base[strings.LastIndexByte(base, '.')+1:])
		cat, ok := t.cats[l]
		if !ok {
			return nil, fmt.Errorf("i18n: catalogue %s: %q is not a supported language", name, l)
		}
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalogue %s: %w", name, err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: catalogue %s: %w", name, err)
		}
		for k, v := range m {
			if _, dup := cat[k]; dup {
				return nil, fmt.Errorf("i18n: catalogue %s: key %q is already defined in another %s catalogue", name, k, l)
			}
			cat[k] = v
		}
	}
	for _, l := range Supported {
		if len(t.cats[l]) == 0 {
			return nil, fmt.Errorf("i18n: no catalogue for %s", l)
		}
	}
	return t, nil
}

// T returns the message key in language l, formatted with args. An
// unsupported language falls back to Default; a key missing from the
// catalogue is returned as the key itself (tests make sure none is missing).
func (t *Translator) T(l hikeshi.Locale, key string, args ...any) string {
	cat, ok := t.cats[l]
	if !ok {
		cat = t.cats[Default]
	}
	msg, ok := cat[key]
	if !ok {
		msg, ok = t.cats[Default][key]
		if !ok {
			return key
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Has reports whether the catalogue of l holds key.
func (t *Translator) Has(l hikeshi.Locale, key string) bool {
	_, ok := t.cats[l][key]
	return ok
}

// Keys returns the keys of the catalogue of l, sorted.
func (t *Translator) Keys(l hikeshi.Locale) []string {
	keys := make([]string, 0, len(t.cats[l]))
	for k := range t.cats[l] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// IsSupported reports whether l is one of the interface languages.
func IsSupported(l hikeshi.Locale) bool { return slices.Contains(Supported, l) }
