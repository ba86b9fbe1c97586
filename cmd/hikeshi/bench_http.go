package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// benchConn is one sender of "bench intake": HTTP/1.1 requests, one at a
// time, on one kept-alive TCP connection, as a load generator such as wrk
// sends them (decision 0048). net/http's client costs about as much CPU per
// request as the server's handler chain — a goroutine to write, one to read,
// a connection pool — and on a 2-core machine the load generator's CPU is
// taken from the server it measures. The requests are real HTTP: a request
// line, headers, Content-Length and the body; the answers are parsed by
// net/http's own http.ReadResponse, chunked or not.
type benchConn struct {
	addr    string // host:port
	head    []byte // the request line and headers up to "Content-Length: "
	timeout time.Duration
	c       net.Conn
	br      *bufio.Reader
	buf     []byte
}

// newBenchConn prepares POSTs of JSON to http://addr+path with a bearer
// token; the connection is dialled on the first request.
func newBenchConn(addr, path, token string, timeout time.Duration) *benchConn {
	head := "POST " + path + " HTTP/1.1\r\nHost: " + addr + "\r\nUser-Agent: hikeshi-bench\r\n" +
		"Content-Type: application/json\r\nAuthorization: Bearer " + token + "\r\nContent-Length: "
	return &benchConn{addr: addr, head: []byte(head), timeout: timeout}
}

// post sends body and returns the answer's status, headers and body. A
// connection the server closed while it was idle is dialled again once;
// any other failure is returned and the connection dropped.
func (b *benchConn) post(ctx context.Context, body []byte) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		reused := b.c != nil
		if b.c == nil {
			var d net.Dialer
			c, err := d.DialContext(ctx, "tcp", b.addr)
			if err != nil {
				return nil, nil, err
			}
			b.c, b.br = c, bufio.NewReaderSize(c, 16<<10)
		}
		if err := b.c.SetDeadline(time.Now().Add(b.timeout)); err != nil {
			b.Close()
			return nil, nil, err
		}
		b.buf = append(b.buf[:0], b.head...)
		b.buf = strconv.AppendInt(b.buf, int64(len(body)), 10)
		b.buf = append(append(b.buf, "\r\n\r\n"...), body...)
		_, err := b.c.Write(b.buf)
		var resp *http.Response
		if err == nil {
			resp, err = http.ReadResponse(b.br, nil)
		}
		if err != nil {
			b.Close()
			// A request on a reused connection that failed before its
			// deadline is sent once more on a new one: the server may
			// have closed the connection while it was idle.
			if reused && attempt == 0 && !errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return nil, nil, fmt.Errorf("POST %s: %w", b.addr, err)
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.Close {
			b.Close()
		}
		if err != nil {
			return nil, nil, fmt.Errorf("POST %s: reading the answer: %w", b.addr, err)
		}
		return resp, data, nil
	}
}

// Close drops the connection; a later post dials again.
func (b *benchConn) Close() {
	if b.c != nil {
		b.c.Close()
		b.c, b.br = nil, nil
	}
}
