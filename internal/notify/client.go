package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is returned when a push would go to a private,
// loopback or otherwise internal address the server does not allow.
var ErrForbiddenAddress = errors.New("address is private or loopback and not allowed")

// maxAnswer bounds how much of a remote answer is read.
const maxAnswer = 64 << 10

// client sends pushes. It refuses internal addresses at dial time, on the
// address actually dialled (so a name that resolves to a public address
// when checked and a private one when used gets nowhere), never uses a
// proxy from the environment (which would dial for it), follows redirects
// only on the same host, and bounds every request by a timeout.
type client struct {
	http    *http.Client
	dialer  *net.Dialer
	allow   []netip.Prefix
	timeout time.Duration
	tls     *tls.Config
}

func newClient(timeout time.Duration, allow []netip.Prefix, tlsConf *tls.Config) *client {
	c := &client{allow: allow, timeout: timeout, tls: tlsConf}
	c.dialer = &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: c.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           c.dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	c.http = &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: sameHostRedirect}
	return c
}

// sameHostRedirect follows at most three redirects, all on the host of
// the first request.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 3 {
		return errors.New("too many redirects")
	}
	if req.URL.Host != via[0].URL.Host {
		return fmt.Errorf("redirect to another host (%s) refused", req.URL.Hostname())
	}
	return nil
}

// control runs on every connection the client makes, with the address
// about to be dialled: a resolved IP, never a name.
func (c *client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%s: %w", address, ErrForbiddenAddress)
	}
	if !c.allowed(ap.Addr()) {
		return fmt.Errorf("%s: %w", ap.Addr(), ErrForbiddenAddress)
	}
	return nil
}

// internalNets are the networks pushes may not reach unless allowed,
// besides what netip classifies as private, loopback, link-local,
// multicast or unspecified.
var internalNets = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: may reach IPv4 inside
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: may reach IPv4 inside
	netip.MustParsePrefix("fec0::/10"),       // old site-local
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
}

// allowed reports whether a push may go to ip.
func (c *client) allowed(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range c.allow {
		if p.Contains(ip) {
			return true
		}
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range internalNets {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// answer is what the remote side said.
type answer struct {
	status int
	body   []byte
}

// postJSON sends body to url with the headers and reads the answer.
func (c *client) postJSON(ctx context.Context, url string, body []byte, header http.Header) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", "xiaoer-notify/1")
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return answer{status: resp.StatusCode}, err
	}
	return answer{status: resp.StatusCode, body: b}, nil
}
