package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"github.com/hikeshi/hikeshi"
)

// Cursor pagination. A cursor is opaque to clients: base64url of
// "<collection>:<key of the last item>", so a cursor of one collection is
// refused by another instead of silently listing the wrong thing.

// pageReq is a parsed ?limit= and ?cursor=.
type pageReq struct {
	limit int
	after string // key of the last item seen; "" = from the start
}

func encodeCursor(collection, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(collection + ":" + key))
}

// decodeCursor returns the key inside a cursor of collection, checked by valid.
func decodeCursor(collection, cursor string, valid func(string) bool) (string, error) {
	bad := fieldError("cursor", "invalid_cursor", "cursor is not a cursor this list returned; take next_cursor (or the Link header) from the previous page.")
	if len(cursor) > 200 {
		return "", bad
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", bad
	}
	key, ok := strings.CutPrefix(string(b), collection+":")
	if !ok || key == "" || !valid(key) {
		return "", bad
	}
	return key, nil
}

// parseLimit parses ?limit=: 1 … MaxPageLimit, default DefaultPageLimit.
func parseLimit(s string) (int, error) {
	if s == "" {
		return hikeshi.DefaultPageLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > hikeshi.MaxPageLimit {
		return 0, fieldError("limit", "out_of_range", "limit must be a whole number from 1 to 500.")
	}
	return n, nil
}

// validID accepts the canonical text form of a UUID.
func validID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// validSeq accepts a positive decimal sequence number.
func validSeq(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0 && strconv.FormatInt(n, 10) == s
}

// fetchPage returns one page of at most p.limit items and the key to continue
// after, "" on the last page. fetch(after, n) returns up to n items following
// the key after in list order. It asks for one item more than the page to know
// whether another page follows; at the store's maximum page size it asks
// again for one item instead.
func fetchPage[T any](p pageReq, fetch func(after string, n int) ([]T, error), key func(T) string) ([]T, string, error) {
	n := p.limit + 1
	probe := false
	if n > hikeshi.MaxPageLimit {
		n, probe = p.limit, true
	}
	items, err := fetch(p.after, n)
	if err != nil {
		return nil, "", err
	}
	if len(items) > p.limit {
		items = items[:p.limit]
		return items, key(items[len(items)-1]), nil
	}
	if probe && len(items) == p.limit {
		last := key(items[len(items)-1])
		more, err := fetch(last, 1)
		if err != nil {
			return nil, "", err
		}
		if len(more) > 0 {
			return items, last, nil
		}
	}
	return items, "", nil
}

// writePage answers with one page and, when another follows, its cursor in
// next_cursor and in a Link header (RFC 8288) that keeps the other query
// parameters.
func writePage[T any](c *call, collection string, items []T, nextKey string) error {
	out := listJSON[T]{Items: items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if nextKey != "" {
		cur := encodeCursor(collection, nextKey)
		out.NextCursor = &cur
		q := c.r.URL.Query()
		q.Set("cursor", cur)
		c.w.Header().Add("Link", "<"+c.r.URL.Path+"?"+q.Encode()+`>; rel="next"`)
	}
	return c.json(http.StatusOK, out)
}
