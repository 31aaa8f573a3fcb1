// Package smtptest runs an in-process SMTP server for tests: it records what
// it receives and can refuse on purpose, so the real SMTP sender is tested
// end to end without a mail server. Plain SMTP by default (the app is
// configured with SMTP_TLS=none); with Options.TLS it offers STARTTLS, and
// PrivateCA makes a certificate signed by a CA only the test trusts.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Credentials the server accepts when Options.RequireAuth is set and no
// others are given.
const (
	DefaultUsername = "cohort"
	DefaultPassword = "test-password"
)

// Options make the server misbehave on purpose.
type Options struct {
	// RefuseFirst answers the first N DATA commands with a temporary
	// 451 error (the client should retry later).
	RefuseFirst int
	// RequireAuth offers AUTH PLAIN (over plain text) and refuses MAIL
	// before a successful login.
	RequireAuth bool
	// Username and Password are the accepted credentials with RequireAuth
	// (DefaultUsername and DefaultPassword when empty).
	Username, Password string
	// RejectRecipients answers RCPT TO for these addresses with a
	// permanent 550 (no such mailbox).
	RejectRecipients []string
	// TLS, when set, makes the server offer STARTTLS with this
	// configuration (see PrivateCA); Env then asks for SMTP_TLS=starttls.
	TLS *tls.Config
}

// Received is one message the server accepted.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	Data    string   // the raw message, headers and body
	Subject string   // the decoded Subject header
	Text    string   // the decoded text/plain part, line breaks as \n ("" if none)
}

// Server is a running test SMTP server.
type Server struct {
	opts Options
	ln   net.Listener
	srv  *smtp.Server

	mu       sync.Mutex
	cond     *sync.Cond
	msgs     []Received
	refused  int
	dataSeen int
}

// Start listens on 127.0.0.1:0 and serves until the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.RequireAuth && opts.Username == "" {
		opts.Username, opts.Password = DefaultUsername, DefaultPassword
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{opts: opts, ln: ln}
	s.cond = sync.NewCond(&s.mu)
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true // tests speak plain SMTP on loopback
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.TLSConfig = opts.TLS
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(func() {
		_ = s.srv.Close()
		<-done
	})
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is the listening IP.
func (s *Server) Host() string {
	h, _, _ := net.SplitHostPort(s.Addr())
	return h
}

// Port is the listening port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr())
	n, _ := strconv.Atoi(p)
	return n
}

// Env returns the configuration overrides that point Cohort at this server
// (for apptest.New or config.FromMap).
func (s *Server) Env() map[string]string {
	env := map[string]string{
		"SMTP_HOST": s.Host(),
		"SMTP_PORT": strconv.Itoa(s.Port()),
		"SMTP_TLS":  "none",
	}
	if s.opts.TLS != nil {
		env["SMTP_TLS"] = "starttls"
	}
	if s.opts.RequireAuth {
		env["SMTP_USERNAME"], env["SMTP_PASSWORD"] = s.opts.Username, s.opts.Password
	}
	return env
}

// Messages returns what was accepted so far, in order.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// Refused says how many DATA commands were refused (RefuseFirst).
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// WaitFor waits until at least n messages arrived or timeout passed, and
// returns what arrived (callers check the length).
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		s.cond.Broadcast()
		s.mu.Unlock()
	})
	defer timer.Stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.msgs) < n && time.Now().Before(deadline) {
		s.cond.Wait()
	}
	return append([]Received(nil), s.msgs...)
}

func (s *Server) newSession(*smtp.Conn) (smtp.Session, error) {
	sess := &session{srv: s, needAuth: s.opts.RequireAuth}
	if s.opts.RequireAuth {
		return &authSession{session: sess}, nil
	}
	return sess, nil
}

// session is one SMTP connection's transaction state.
type session struct {
	srv      *Server
	needAuth bool // RequireAuth: MAIL only after AUTH
	authed   bool
	from     string
	to       []string
}

func (ss *session) Reset() { ss.from, ss.to = "", nil }

func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.needAuth && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	for _, r := range ss.srv.opts.RejectRecipients {
		if strings.EqualFold(r, to) {
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox"}
		}
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataSeen++
	if s.dataSeen <= s.opts.RefuseFirst {
		s.refused++
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	rec := Received{From: ss.from, To: append([]string(nil), ss.to...), Data: string(data)}
	rec.Subject, rec.Text = parse(data)
	s.msgs = append(s.msgs, rec)
	s.cond.Broadcast()
	return nil
}

// authSession adds AUTH PLAIN; MAIL is refused until it succeeds.
type authSession struct{ *session }

func (as *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != as.srv.opts.Username || pass != as.srv.opts.Password {
			return smtp.ErrAuthFailed
		}
		as.authed = true
		return nil
	}), nil
}

// parse extracts the decoded Subject and text/plain body; a message it
// cannot read yields what it could.
func parse(data []byte) (subject, text string) {
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return "", ""
	}
	subject = msg.Header.Get("Subject")
	if dec, err := new(mime.WordDecoder).DecodeHeader(subject); err == nil {
		subject = dec
	}
	ct := msg.Header.Get("Content-Type")
	text, _ = textPart(ct, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if !strings.HasPrefix(strings.ToLower(ct), "multipart/") {
		// A single-part body ends with the line break DATA needs before
		// its final dot; in a multipart one it belongs to the boundary.
		text = strings.TrimSuffix(text, "\n")
	}
	return subject, text
}

func textPart(contentType, encoding string, body io.Reader) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return "", err
			}
			// multipart.Reader already undoes quoted-printable.
			if t, err := textPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err == nil && t != "" {
				return t, nil
			}
		}
	case mt == "text/plain":
		var r io.Reader = body
		switch strings.ToLower(encoding) {
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body) // skips line breaks itself
		}
		b, err := io.ReadAll(r)
		return strings.ReplaceAll(string(b), "\r\n", "\n"), err
	}
	return "", errors.New("not text")
}

// PrivateCA makes a certificate authority no system trusts and a server
// certificate it signs for 127.0.0.1 and localhost. It returns the server's
// TLS configuration (for Options.TLS) and the path of the CA certificate in
// PEM form (for SMTP_CA_FILE).
func PrivateCA(t testing.TB) (server *tls.Config, caFile string) {
	t.Helper()
	must := func(err error) {
		if err != nil {
			t.Fatalf("smtptest: private CA: %v", err)
		}
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtptest private CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	must(err)
	ca, err := x509.ParseCertificate(caDER)
	must(err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(err)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	must(err)
	caFile = filepath.Join(t.TempDir(), "smtp-ca.pem")
	must(os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600))
	server = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
	return server, caFile
}
