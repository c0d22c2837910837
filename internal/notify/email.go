package notify

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// sendEmail sends a message over SMTP: STARTTLS is required (a server
// that does not offer it gets nothing, password included), then AUTH PLAIN
// when the channel has a user name. The connection goes through the same
// dialer as every push, so the server's address is checked when dialled.
func (s *Service) sendEmail(ctx context.Context, c EmailConfig, password string, m message) outcome {
	ctx, cancel := context.WithTimeout(ctx, s.client.timeout)
	defer cancel()
	conn, err := s.client.dialer.DialContext(ctx, "tcp", net.JoinHostPort(c.Host, strconv.Itoa(c.Port)))
	if err != nil {
		return outcome{err: err, permanent: errors.Is(err, ErrForbiddenAddress)}
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	sc, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		conn.Close()
		return smtpOutcome(err)
	}
	defer sc.Close()
	if ok, _ := sc.Extension("STARTTLS"); !ok {
		return outcome{err: errors.New("the SMTP server does not offer STARTTLS"), permanent: true}
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.client.tls != nil {
		conf = s.client.tls.Clone()
	}
	conf.ServerName = c.Host
	if err := sc.StartTLS(conf); err != nil {
		return smtpOutcome(err)
	}
	if c.Username != "" {
		if err := sc.Auth(smtp.PlainAuth("", c.Username, password, c.Host)); err != nil {
			return smtpOutcome(err)
		}
	}
	if err := sc.Mail(c.From); err != nil {
		return smtpOutcome(err)
	}
	for _, to := range c.To {
		if err := sc.Rcpt(to); err != nil {
			return smtpOutcome(err)
		}
	}
	w, err := sc.Data()
	if err != nil {
		return smtpOutcome(err)
	}
	if _, err := w.Write(s.mailBody(c, m)); err != nil {
		return smtpOutcome(err)
	}
	if err := w.Close(); err != nil {
		return smtpOutcome(err)
	}
	_ = sc.Quit()
	return outcome{status: 250}
}

// smtpOutcome classifies an SMTP error: 4xx replies are temporary, 5xx
// permanent, anything else (the network) worth another try.
func smtpOutcome(err error) outcome {
	var te *textproto.Error
	if errors.As(err, &te) {
		return outcome{status: te.Code, body: clip(te.Msg, maxShownAnswer), err: err, permanent: te.Code >= 500}
	}
	return outcome{err: err}
}

// mailBody is the message as a plain-text UTF-8 email.
func (s *Service) mailBody(c EmailConfig, m message) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", c.From)
	header("To", strings.Join(c.To, ", "))
	header("Subject", mime.BEncoding.Encode("UTF-8", m.title))
	header("Date", s.now().Format(time.RFC1123Z))
	header("Message-ID", fmt.Sprintf("<%s@xiaoer>", m.eventID))
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.plain()))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}
