package hikeshi

import (
	"context"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Observables, affected assets and evidence files of incidents (IH-5). An
// observable (an indicator: an address, a domain, a hash …) is stored once
// across all incidents in a canonical form, so the same indicator seen in two
// incidents is recognised as one; each incident links to it with its own note.
// See docs/decisions/0017-observables-and-evidence.md.

// ObservableType is the kind of an observable.
type ObservableType string

// The observable types.
const (
	ObservableIP      ObservableType = "ip"      // IPv4 or IPv6 address
	ObservableDomain  ObservableType = "domain"  // a host or domain name
	ObservableURL     ObservableType = "url"     // an absolute URL
	ObservableHash    ObservableType = "hash"    // MD5, SHA-1, SHA-256 or SHA-512 in hex
	ObservableEmail   ObservableType = "email"   // an e-mail address
	ObservableAccount ObservableType = "account" // a user name or other account identifier
)

// ObservableTypes lists every observable type.
var ObservableTypes = []ObservableType{ObservableIP, ObservableDomain, ObservableURL, ObservableHash, ObservableEmail, ObservableAccount}

// Valid reports whether t is a known observable type.
func (t ObservableType) Valid() bool {
	for _, v := range ObservableTypes {
		if t == v {
			return true
		}
	}
	return false
}

// Limits of observables.
const (
	MaxObservableLen     = 2048 // bytes of a canonical value (URLs are the longest)
	MaxObservablesPerAdd = 500  // values in one paste
	MaxObservableNoteLen = 1000 // characters of an incident's note on an observable
)

// URL schemes an observable URL may have.
var observableSchemes = map[string]bool{"http": true, "https": true, "ftp": true, "ftps": true, "sftp": true,
	"ws": true, "wss": true, "smb": true, "file": true, "ldap": true, "ldaps": true}

// ObservableError says why a value is not an observable of a type.
type ObservableError struct {
	Code   string // stable: required, too_long, invalid_ip, invalid_domain, invalid_url, invalid_hash, invalid_email, invalid_text, unknown_type
	Reason string // one English sentence; the UI localises Code
}

func (e *ObservableError) Error() string { return e.Reason }

// Unwrap makes a refused observable an ErrInvalid.
func (e *ObservableError) Unwrap() error { return ErrInvalid }

func obsErr(code, reason string) error { return &ObservableError{Code: code, Reason: reason} }

// NormalizeObservable returns the canonical form of raw as an observable of
// type t, or an *ObservableError. Canonical forms: an IP address as net/netip
// prints it (IPv4-mapped IPv6 unmapped, zones refused); a domain lower-case
// without a trailing dot; a URL with its scheme and host lower-case; a hash
// lower-case hex (its length says which algorithm); an e-mail address with its
// domain lower-case; an account trimmed. The same indicator typed two ways
// therefore has one canonical form.
func NormalizeObservable(t ObservableType, raw string) (string, error) {
	v := strings.TrimSpace(raw)
	switch {
	case v == "":
		return "", obsErr("required", "the value is empty")
	case !utf8.ValidString(v):
		return "", obsErr("invalid_text", "the value is not valid UTF-8")
	case len(v) > MaxObservableLen:
		return "", obsErr("too_long", fmt.Sprintf("the value is longer than %d bytes", MaxObservableLen))
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "", obsErr("invalid_text", "the value holds control characters")
	}
	v = refang(t, v)
	switch t {
	case ObservableIP:
		return normalizeIP(v)
	case ObservableDomain:
		return normalizeDomain(v)
	case ObservableURL:
		return normalizeURL(v)
	case ObservableHash:
		return normalizeHash(v)
	case ObservableEmail:
		return normalizeObservableEmail(v)
	case ObservableAccount:
		if strings.ContainsAny(v, "\r\n") {
			return "", obsErr("invalid_text", "an account is one line")
		}
		return v, nil
	}
	return "", obsErr("unknown_type", "the type must be ip, domain, url, hash, email or account")
}

// schemeRefanger undoes the defanging of a URL's scheme (Defang's
// schemeDefanger, and the hXXp people write).
var schemeRefanger = strings.NewReplacer("hxxp", "http", "fxp", "ftp")

// schemeDefanger defangs a URL's scheme: http, https, ftp, ftps, sftp.
var schemeDefanger = strings.NewReplacer("http", "hxxp", "ftp", "fxp")

// atRefanger undoes the defanging of an e-mail address's "@".
var atRefanger = strings.NewReplacer("[@]", "@", "(@)", "@")

// urlDefanger defangs what follows a URL's scheme and its separator.
var urlDefanger = strings.NewReplacer(".", "[.]", "://", "[://]")

// hostRefanger undoes the usual defanging of host names and addresses.
var hostRefanger = strings.NewReplacer("[.]", ".", "(.)", ".", "[dot]", ".", "[:]", ":", "[@]", "@", "(@)", "@")

// refang undoes the defanging people paste from reports and feeds
// (hxxp[://]evil[.]example), and that Defang writes, where it cannot change
// a real value: in an address or domain; in a URL's scheme and authority,
// and its "[://]" and "[.]" anywhere (RFC 3986 allows brackets only around
// an IP literal host, so in a path, query or fragment they can only be
// defanging); in an e-mail address's "@" and domain. An e-mail's local part
// and accounts are left as they are. Defang's output for a canonical value
// refangs to that value.
func refang(t ObservableType, v string) string {
	switch t {
	case ObservableIP, ObservableDomain:
		return hostRefanger.Replace(v)
	case ObservableEmail:
		v = atRefanger.Replace(v)
		if at := strings.LastIndexByte(v, '@'); at >= 0 {
			return v[:at+1] + hostRefanger.Replace(v[at+1:])
		}
		return v
	case ObservableURL:
		v = replaceUntilStable(v, "[://]", "://")
		c := strings.IndexByte(v, ':')
		if i := strings.Index(v, "[:]"); i > 0 && (c < 0 || i < c) && urlScheme(v[:i]) {
			v, c = v[:i]+":"+v[i+3:], i // file[:]/etc/passwd, as Defang writes a URL without an authority
		}
		if c <= 0 || !urlScheme(v[:c]) {
			return v
		}
		// hxxps, fxp, sfxp, fxps: the refanged scheme has the same length.
		v = schemeRefanger.Replace(strings.ToLower(v[:c])) + v[c:]
		// The authority, when there is one, is v[start:end].
		start, end := c+1, c+1
		if strings.HasPrefix(v[start:], "//") {
			start += 2
			end = len(v)
			if j := strings.IndexAny(v[start:], "/?#"); j >= 0 {
				end = start + j
			}
		}
		return v[:start] + hostRefanger.Replace(v[start:end]) + replaceUntilStable(v[end:], "[.]", ".")
	}
	return v
}

// replaceUntilStable replaces old with new in s until none is left, so that
// a value refanged once has nothing left to refang ("[[.]]" is "." and not
// "[.]").
func replaceUntilStable(s, old, new string) string {
	for strings.Contains(s, old) {
		s = strings.ReplaceAll(s, old, new)
	}
	return s
}

// urlScheme reports whether s is a URL scheme as RFC 3986 spells it: a
// letter, then letters, digits, "+", "-" or ".".
func urlScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func normalizeIP(v string) (string, error) {
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return "", obsErr("invalid_ip", "not an IPv4 or IPv6 address")
	}
	return a.Unmap().String(), nil
}

// normalizeDomain lower-cases a domain name and checks its labels: 1–63
// bytes each, letters (of any script, for internationalised names typed as
// such), digits and hyphens, no hyphen at either end, at least two labels, and
// a last label that is not all digits (that would be an IP address).
func normalizeDomain(v string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(v, "."))
	bad := func() (string, error) { return "", obsErr("invalid_domain", "not a domain name") }
	if len(d) > 253 || d == "" {
		return bad()
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return bad()
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad()
		}
		for _, r := range l {
			if !(r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)) {
				return bad()
			}
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return bad()
	}
	return d, nil
}

// normalizeURL parses an absolute URL with a known scheme and a host, and
// lower-cases the scheme and the host (an IP host in its canonical form).
func normalizeURL(v string) (string, error) {
	bad := func(why string) (string, error) { return "", obsErr("invalid_url", why) }
	if strings.ContainsAny(v, " \t\r\n") {
		return bad("a URL holds no spaces")
	}
	u, err := url.Parse(v)
	if err != nil {
		return bad("not a URL")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if !observableSchemes[u.Scheme] {
		return bad("the URL's scheme must be one of http, https, ftp, ftps, sftp, ws, wss, smb, file, ldap or ldaps")
	}
	if u.Opaque != "" {
		return bad("the URL has no host")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" && u.Scheme != "file" {
		return bad("the URL has no host")
	}
	if host == "" && !strings.HasPrefix(u.Path, "/") {
		return bad("a file URL without a host needs an absolute path")
	}
	if host != "" {
		if a, err := netip.ParseAddr(host); err == nil {
			if a.Zone() != "" {
				return bad("the URL's address has a zone")
			}
			host = a.Unmap().String()
		} else if h, err := normalizeDomain(host); err == nil {
			host = h
		} else if !strings.Contains(host, ".") && strings.Trim(strings.ToLower(host), "abcdefghijklmnopqrstuvwxyz0123456789-") == "" {
			host = strings.ToLower(host) // an intranet host name
		} else {
			return bad("the URL's host is not a domain name or an IP address")
		}
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		if port != "" {
			host += ":" + port
		}
	}
	u.Host = host
	s := u.String()
	if len(s) > MaxObservableLen {
		return "", obsErr("too_long", fmt.Sprintf("the value is longer than %d bytes", MaxObservableLen))
	}
	return s, nil
}

// HashAlgorithm names the algorithm of a canonical hash observable by its
// length: md5, sha1, sha256 or sha512; "" when it is none of these.
func HashAlgorithm(v string) string {
	switch len(v) {
	case 32:
		return "md5"
	case 40:
		return "sha1"
	case 64:
		return "sha256"
	case 128:
		return "sha512"
	}
	return ""
}

func normalizeHash(v string) (string, error) {
	h := strings.ToLower(v)
	if HashAlgorithm(h) == "" || strings.Trim(h, "0123456789abcdef") != "" {
		return "", obsErr("invalid_hash", "not an MD5, SHA-1, SHA-256 or SHA-512 hash in hex")
	}
	return h, nil
}

func normalizeObservableEmail(v string) (string, error) {
	bad := func() (string, error) { return "", obsErr("invalid_email", "not an e-mail address") }
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return bad()
	}
	at := strings.LastIndexByte(a.Address, '@')
	local, domain := a.Address[:at], a.Address[at+1:]
	d, err := normalizeDomain(domain)
	if err != nil {
		return bad()
	}
	return local + "@" + d, nil
}

// DetectObservableType guesses the type of a pasted value, defanged or not:
// an IP address, a URL (it has a scheme), an e-mail address, a hash (hex of a
// hash's length), a domain name; anything else is an account.
func DetectObservableType(raw string) ObservableType {
	v := strings.TrimSpace(raw)
	if i := strings.Index(v, "[://]"); i > 0 {
		return ObservableURL
	}
	v = hostRefanger.Replace(v)
	if _, err := normalizeIP(v); err == nil {
		return ObservableIP
	}
	if i := strings.Index(v, "://"); i > 0 {
		return ObservableURL
	}
	if i := strings.Index(v, ":/"); i > 0 && observableSchemes[strings.ToLower(v[:i])] {
		return ObservableURL // file:/etc/passwd, a URL without an authority
	}
	if _, err := normalizeHash(v); err == nil {
		return ObservableHash
	}
	if strings.Contains(v, "@") {
		if _, err := normalizeObservableEmail(v); err == nil {
			return ObservableEmail
		}
	}
	if _, err := normalizeDomain(v); err == nil {
		return ObservableDomain
	}
	return ObservableAccount
}

// Defang makes an observable safe to show: a URL, domain, e-mail address or
// IP address is written so that nothing renders it as a link and nobody
// follows it by accident (hxxp://, [.], [:] and [@]). Other types are
// returned as they are.
func Defang(t ObservableType, v string) string {
	switch t {
	case ObservableURL:
		// The scheme ends at the first colon; its separator is "[://]", or
		// "[:]" for a URL without an authority (file:/etc/passwd), so that
		// no defanged URL starts a link.
		if i := strings.IndexByte(v, ':'); i > 0 && urlScheme(v[:i]) {
			scheme := schemeDefanger.Replace(v[:i])
			rest, sep := v[i+1:], "[:]"
			if strings.HasPrefix(rest, "//") {
				rest, sep = rest[2:], "[://]"
			}
			return scheme + sep + urlDefanger.Replace(rest)
		}
		return strings.ReplaceAll(v, ".", "[.]")
	case ObservableDomain:
		return strings.ReplaceAll(v, ".", "[.]")
	case ObservableEmail:
		// The local part keeps its dots: refang leaves it as it is, and
		// without its "@" the address links to nothing.
		at := strings.LastIndexByte(v, '@')
		return strings.ReplaceAll(v[:at+1], "@", "[@]") + strings.ReplaceAll(v[at+1:], ".", "[.]")
	case ObservableIP:
		if strings.Contains(v, ":") {
			return strings.ReplaceAll(v, ":", "[:]")
		}
		return strings.ReplaceAll(v, ".", "[.]")
	}
	return v
}

// Observable is an indicator stored once across all incidents.
type Observable struct {
	ID        string
	Type      ObservableType
	Value     string // canonical (NormalizeObservable)
	CreatedAt time.Time
}

// IncidentObservable links an observable to an incident; the incident's TLP
// governs who sees it.
type IncidentObservable struct {
	ID         string
	IncidentID string
	Observable Observable
	Note       string
	AddedBy    string
	AddedAt    time.Time
}

// IncidentRef names an incident another record points to.
type IncidentRef struct {
	ID     string
	Number string
	Title  string
	TLP    TLP
	Phase  Phase
}

// ObservableIncidentFilter selects the incidents that have an observable,
// with the visibility rules of IncidentFilter applied in the query.
type ObservableIncidentFilter struct {
	ObservableID     string
	ExceptIncidentID string // leave this incident out ("also seen in")
	SeeRestricted    bool
	ViewerID         string
	MemberOnly       bool
	Page
}

// AssetKind is the kind of an affected asset.
type AssetKind string

// The kinds of affected assets.
const (
	AssetHost          AssetKind = "host"
	AssetServer        AssetKind = "server"
	AssetNetworkDevice AssetKind = "network_device"
	AssetAccount       AssetKind = "account"
	AssetApplication   AssetKind = "application"
	AssetData          AssetKind = "data"
	AssetMobileDevice  AssetKind = "mobile_device"
	AssetOther         AssetKind = "other"
)

// AssetKinds lists every asset kind.
var AssetKinds = []AssetKind{AssetHost, AssetServer, AssetNetworkDevice, AssetAccount, AssetApplication, AssetData, AssetMobileDevice, AssetOther}

// Valid reports whether k is a known asset kind.
func (k AssetKind) Valid() bool {
	for _, v := range AssetKinds {
		if k == v {
			return true
		}
	}
	return false
}

// Limits of affected assets, in characters.
const (
	MaxAssetNameLen       = 200
	MaxAssetIdentifierLen = 500
	MaxAssetNoteLen       = 5000
)

// AffectedAsset is something an incident touched: a host, an account, data …
type AffectedAsset struct {
	ID           string
	IncidentID   string
	Name         string
	Kind         AssetKind
	Identifier   string // host name, address, account name …; optional
	DepartmentID string // the owning department; optional
	Criticality  Level  // 1 (most critical) to 4; 0 = not given
	Note         string
	AddedBy      string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Limits of evidence files.
const (
	MaxEvidenceSize           = 100 << 20 // bytes per file
	MaxEvidenceDescriptionLen = 2000      // characters
	// BlobGracePeriod is how long a stored file nothing refers to is kept
	// before the sweep removes it: long enough that an upload whose report or
	// evidence row is still being written is never removed.
	BlobGracePeriod = 24 * time.Hour
)

// IncidentEvidence is a file kept as evidence of an incident, stored
// content-addressed in the blob store; one file is one row per incident.
type IncidentEvidence struct {
	ID          string
	IncidentID  string
	SHA256      string
	Filename    string // sanitised (SanitizeFilename)
	Size        int64
	MediaType   string // sniffed when stored
	Description string
	AddedBy     string
	AddedAt     time.Time
}

// EvidenceReader is the read side of observables, affected assets and evidence files (IH-5).
type EvidenceReader interface {
	FindObservable(ctx context.Context, t ObservableType, value string) (Observable, error)
	// FindObservablesByValue returns the observables of any type whose
	// canonical value is one of values.
	FindObservablesByValue(ctx context.Context, values []string) ([]Observable, error)
	// FindIncidentObservables lists an incident's observables in the order
	// they were added, after the cursor (a link id).
	FindIncidentObservables(ctx context.Context, incidentID string, p Page) ([]IncidentObservable, error)
	FindIncidentObservable(ctx context.Context, id string) (IncidentObservable, error)
	// FindObservableIncidents lists the incidents that have an observable,
	// newest first, filtering those the viewer may not see in the query.
	FindObservableIncidents(ctx context.Context, f ObservableIncidentFilter) ([]IncidentRef, error)

	FindAffectedAssets(ctx context.Context, incidentID string, p Page) ([]AffectedAsset, error)
	FindAffectedAsset(ctx context.Context, id string) (AffectedAsset, error)

	FindIncidentEvidence(ctx context.Context, incidentID string, p Page) ([]IncidentEvidence, error)
	FindIncidentEvidenceByID(ctx context.Context, id string) (IncidentEvidence, error)
}

// EvidenceWriter is the write side of observables, affected assets and evidence files (IH-5).
type EvidenceWriter interface {
	// EnsureObservable stores o unless an observable of its type and value
	// exists, and returns the stored one either way.
	EnsureObservable(ctx context.Context, o Observable) (Observable, error)
	// CreateIncidentObservable links an observable; a second link of one
	// observable to one incident is ErrConflict.
	CreateIncidentObservable(ctx context.Context, l IncidentObservable) error
	DeleteIncidentObservable(ctx context.Context, id string) error

	CreateAffectedAsset(ctx context.Context, a AffectedAsset) error
	UpdateAffectedAsset(ctx context.Context, a AffectedAsset) error
	DeleteAffectedAsset(ctx context.Context, id string) error

	// CreateIncidentEvidence records an evidence file; the same blob twice on
	// one incident is ErrConflict.
	CreateIncidentEvidence(ctx context.Context, e IncidentEvidence) error

	// DeleteUnreferencedBlobs deletes up to limit blobs created before
	// olderThan that no report attachment and no evidence row refers to, and
	// returns how many it deleted.
	DeleteUnreferencedBlobs(ctx context.Context, olderThan time.Time, limit int) (int, error)
}
