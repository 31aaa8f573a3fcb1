package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/mail"
	"time"

	gomail "github.com/wneessen/go-mail"

	"cohort/config"
)

// Sender delivers one message. An error means it was not delivered; wrap
// it in a *PermanentError when retrying cannot help.
type Sender interface {
	Send(ctx context.Context, from string, m Message) error
}

// PermanentError marks a delivery failure that retrying will not fix (the
// server answered 5xx: no such mailbox, message refused). The dispatcher
// gives up on the message at once instead of retrying for hours.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }

func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err is (or wraps) a *PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// smtpTimeout bounds connecting and each SMTP command, so a dead server
// costs a retry, not a stuck dispatcher.
const smtpTimeout = 10 * time.Second

// NewSender returns an SMTP sender for SMTP_HOST, or nil (no error) when
// SMTP_HOST is unset: the dispatcher then keeps mail in the development
// outbox. It refuses a MAIL_FROM that is not one valid address, so a typo
// stops start-up instead of failing every message.
func NewSender(cfg *config.Config) (Sender, error) {
	if cfg.SMTPHost == "" {
		return nil, nil
	}
	if _, err := mail.ParseAddress(cfg.MailFrom); err != nil {
		return nil, fmt.Errorf("MAIL_FROM %q is not a valid address: %w", cfg.MailFrom, err)
	}
	opts := []gomail.Option{
		gomail.WithPort(cfg.SMTPPort),
		gomail.WithTimeout(smtpTimeout),
	}
	// SMTP_CA_FILE adds a private CA's roots to the system's; config has
	// already refused a file that cannot be read.
	roots, err := cfg.SMTPRootCAs()
	if err != nil {
		return nil, err
	}
	if roots != nil {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{
			ServerName: cfg.SMTPHost,
			RootCAs:    roots,
			MinVersion: gomail.DefaultTLSMinVersion,
		}))
	}
	encrypted := true
	switch cfg.SMTPTLS {
	case "starttls":
		// Mandatory: a server (or a man in the middle) that does not offer
		// STARTTLS gets nothing, rather than the message in clear text.
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		encrypted = false
	default:
		return nil, fmt.Errorf("SMTP_TLS must be starttls, tls or none (got %q)", cfg.SMTPTLS)
	}
	if cfg.SMTPUsername != "" {
		// PLAIN (or LOGIN where PLAIN is not offered): what relays and
		// mail providers accept. Over TLS the password is protected by
		// the channel. go-mail refuses them without TLS unless asked for
		// the NOENC variants, which SMTP_TLS=none (local relays, tests;
		// refused in production by config) means.
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if !encrypted {
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts,
			gomail.WithUsername(cfg.SMTPUsername),
			gomail.WithPassword(cfg.SMTPPassword),
			gomail.WithOpportunisticSMTPAuth(mechs...))
	}
	// Build a client once to check the options; each Send makes its own,
	// because a go-mail Client holds one connection's state.
	if _, err := gomail.NewClient(cfg.SMTPHost, opts...); err != nil {
		return nil, fmt.Errorf("SMTP settings: %w", err)
	}
	return &smtpSender{host: cfg.SMTPHost, opts: opts}, nil
}

type smtpSender struct {
	host string
	opts []gomail.Option
}

// Send opens a connection, sends m and closes it. Mail volume is low
// (sign-in codes, reminders), so a pooled connection is not worth its
// failure modes.
func (s *smtpSender) Send(ctx context.Context, from string, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return &PermanentError{Err: fmt.Errorf("recipient address: %w", err)}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		// multipart/alternative: clients that show HTML pick it, the rest
		// (and screen-reader users who prefer it) get the text.
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// classify marks the server's permanent (5xx) answers to MAIL, RCPT or
// DATA as such. Connection, TLS and authentication failures stay
// temporary: they are usually an outage or a configuration fix away, and
// giving up on every queued message because of them would lose mail.
func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
		return &PermanentError{Err: err}
	}
	return err
}
