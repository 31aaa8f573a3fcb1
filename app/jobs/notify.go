package jobs

import (
	"bytes"
	"context"
	"embed"
	"errors"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"cohort/app/mail"
	"cohort/db"
)

// Mail bodies of the program jobs: NAME.txt (text/template) and NAME.html
// (html/template, which escapes names and answers people typed).
//
//go:embed templates/*.txt templates/*.html
var templateFS embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.New("").ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").ParseFS(templateFS, "templates/*.html"))
)

// render fills the text and HTML bodies of template name with data.
func render(name string, data any) (text, html string, err error) {
	var t, h bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&t, name+".txt", data); err != nil {
		return "", "", err
	}
	if err := htmlTemplates.ExecuteTemplate(&h, name+".html", data); err != nil {
		return "", "", err
	}
	return t.String(), h.String(), nil
}

// sendOnce records n and enqueues m (whose DedupeKey is n.Key) in one
// transaction, unless n was recorded before; check, when set, runs first in
// the transaction and may decide not to send. It reports whether the mail
// was enqueued.
func sendOnce(ctx context.Context, env Env, n *db.NotificationSent, m mail.Message, check func(ctx context.Context, tx *db.Store) (bool, error)) (bool, error) {
	m.DedupeKey = n.Key
	m.Kind = n.Kind
	sent := false
	err := env.Store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if check != nil {
			ok, err := check(ctx, tx)
			if err != nil || !ok {
				return err
			}
		}
		ok, err := tx.ClaimNotification(ctx, n)
		if err != nil || !ok {
			return err
		}
		if err := env.Outbox.In(tx).Enqueue(ctx, m); err != nil {
			return err
		}
		sent = true
		return nil
	})
	if err != nil {
		return false, err
	}
	if sent {
		env.Outbox.Wake()
	}
	return sent, nil
}

// greeting is how a mail greets someone: the name they gave, else "there".
func greeting(name string) string {
	if name = strings.TrimSpace(name); name != "" {
		return name
	}
	return "there"
}

// ignoreNotFound turns db.ErrNotFound into nil (the row is gone: nothing to
// send).
func ignoreNotFound(err error) error {
	if errors.Is(err, db.ErrNotFound) {
		return nil
	}
	return err
}
