package server

import (
	"bufio"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestSlowBodyIsCut: a client that sends headers and then trickles its body
// is answered or cut once the read wait is over, instead of holding the
// connection and its handler for as long as it likes.
func TestSlowBodyIsCut(t *testing.T) {
	env := newTestEnv(t)
	env.srv.opts.RequestReadWait = 300 * time.Millisecond
	conn, err := net.Dial("tcp", env.http.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "POST /api/v1/auth/login HTTP/1.1\r\nHost: xiaoer.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	// Generous: the server's wait is 300 ms; without it the read below
	// would block until this deadline.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the server waited for the slow body past its read wait")
	}
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("a cut-off body was answered with %d", resp.StatusCode)
		}
	}
}
