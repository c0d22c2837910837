package notify

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// smtpServer is a small SMTP server for the tests: EHLO, STARTTLS, AUTH
// PLAIN, MAIL, RCPT, DATA, QUIT, one session at a time. It records the
// envelope and the message, and refuses AUTH before STARTTLS.
type smtpServer struct {
	ln       net.Listener
	tls      *tls.Config
	starttls bool // offer STARTTLS
	mu       sync.Mutex
	mails    []smtpMail
}

type smtpMail struct {
	tls      bool
	auth     string // the decoded AUTH PLAIN response
	from     string
	to       []string
	data     string
	sawPlain bool // AUTH was tried before TLS
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func newSMTPServer(t *testing.T, cert tls.Certificate, starttls bool) *smtpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, tls: &tls.Config{Certificates: []tls.Certificate{cert}}, starttls: starttls}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r, w := bufio.NewReader(c), c
	say := func(line string) { _, _ = w.Write([]byte(line + "\r\n")) }
	m := smtpMail{}
	say("220 test ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(cmd, " ", 2)[0])
		switch verb {
		case "EHLO":
			say("250-test")
			if s.starttls && !m.tls {
				say("250-STARTTLS")
			}
			say("250 AUTH PLAIN")
		case "STARTTLS":
			say("220 go ahead")
			tc := tls.Server(c, s.tls)
			if tc.Handshake() != nil {
				return
			}
			c, r, w, m.tls = tc, bufio.NewReader(tc), tc, true
		case "AUTH":
			if !m.tls {
				m.sawPlain = true
			}
			parts := strings.Fields(cmd)
			b, _ := base64.StdEncoding.DecodeString(parts[len(parts)-1])
			m.auth = string(b)
			say("235 ok")
		case "MAIL":
			m.from = strings.Trim(strings.TrimPrefix(cmd, "MAIL FROM:"), "<>")
			say("250 ok")
		case "RCPT":
			m.to = append(m.to, strings.Trim(strings.TrimPrefix(cmd, "RCPT TO:"), "<>"))
			say("250 ok")
		case "DATA":
			say("354 go")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

// TestEmail sends a handoff by email: STARTTLS before the password, the
// envelope and a plain-text UTF-8 message with the link; and refuses a
// server without STARTTLS.
func TestEmail(t *testing.T) {
	t.Parallel()
	cert, pool := selfSigned(t)
	for _, starttls := range []bool{true, false} {
		t.Run("starttls="+strconv.FormatBool(starttls), func(t *testing.T) {
			e := newEnv(t, envOptions{})
			e.svc.client.tls = &tls.Config{RootCAs: pool}
			srv := newSMTPServer(t, cert, starttls)
			name, pass := "邮件", "smtp-pass"
			ch, err := e.svc.CreateChannel(e.ctx, e.shop.ID, ChannelInput{Kind: KindEmail, Name: &name, Secret: &pass,
				Email: &EmailConfig{Host: "127.0.0.1", Port: srv.port(), Username: "bot@shop.example", From: "bot@shop.example",
					To: []string{"a@shop.example", "b@shop.example"}}})
			if err != nil {
				t.Fatal(err)
			}
			if ch.HasSecret != true || ch.Email.Port != srv.port() {
				t.Errorf("channel view %+v", ch)
			}
			e.prefs(0, pushOnly(EventHandoff, ch.ID))
			c := e.handoff(e.conversation("小王"))
			e.step()
			ds := e.deliveries()
			srv.mu.Lock()
			mails := srv.mails
			srv.mu.Unlock()
			if !starttls {
				if len(mails) != 0 || ds[0].Status != store.DeliveryFailed || !strings.Contains(ds[0].LastError, "STARTTLS") {
					t.Fatalf("without STARTTLS: %d mails, delivery %+v", len(mails), ds[0])
				}
				return
			}
			if len(mails) != 1 || ds[0].Status != store.DeliveryDelivered {
				t.Fatalf("%d mails, delivery %+v", len(mails), ds[0])
			}
			m := mails[0]
			if !m.tls || m.sawPlain || m.auth != "\x00bot@shop.example\x00smtp-pass" || m.from != "bot@shop.example" ||
				strings.Join(m.to, ",") != "a@shop.example,b@shop.example" {
				t.Errorf("session %+v", m)
			}
			msg, err := mail.ReadMessage(strings.NewReader(m.data))
			if err != nil {
				t.Fatal(err)
			}
			subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			raw := new(bytes.Buffer)
			_, _ = raw.ReadFrom(base64.NewDecoder(base64.StdEncoding, msg.Body))
			link := "https://cs.example.com/desk?shop=" + strconv.FormatInt(e.shop.ID, 10) + "#conversation=" + strconv.FormatInt(c.ID, 10)
			wantBody := "机器人转人工\n买家：小王\n原因：买家要求人工\n提醒：ann\n打开会话: " + link
			if subject != "机器人转人工" || raw.String() != wantBody || msg.Header.Get("Content-Type") != "text/plain; charset=UTF-8" ||
				msg.Header.Get("To") != "a@shop.example, b@shop.example" || msg.Header.Get("Message-Id") != "<"+ds[0].EventID+"@xiaoer>" {
				t.Errorf("message: subject %q, headers %v, body %q", subject, msg.Header, raw.String())
			}
			res, err := e.svc.TestChannel(e.ctx, e.shop.ID, ch.ID)
			if err != nil || !res.OK || res.Status != 250 {
				t.Errorf("test send: %+v %v", res, err)
			}
		})
	}
}
