package jobs

import (
	"bytes"
	"context"
	"embed"
	"errors"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	"cohort/app/mail"
	"cohort/app/notify"
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
	sent := false
	err := env.Store.InTx(ctx, func(ctx context.Context, tx *db.Store) error {
		if check != nil {
			ok, err := check(ctx, tx)
			if err != nil || !ok {
				return err
			}
		}
		var err error
		sent, err = sendIn(ctx, env, tx, n, m)
		return err
	})
	if err != nil {
		return false, err
	}
	if sent {
		env.Outbox.Wake()
	}
	return sent, nil
}

// sendIn records n and enqueues m inside the caller's transaction tx,
// unless n was recorded before, and reports whether it enqueued. The caller
// wakes the outbox after committing.
func sendIn(ctx context.Context, env Env, tx *db.Store, n *db.NotificationSent, m mail.Message) (bool, error) {
	m.DedupeKey = n.Key
	m.Kind = n.Kind
	ok, err := tx.ClaimNotification(ctx, n)
	if err != nil || !ok {
		return false, err
	}
	return true, env.Outbox.In(tx).Enqueue(ctx, m)
}

// compose renders l into what sendIn takes.
func compose(l letter) (*db.NotificationSent, mail.Message, error) {
	text, html, err := render(l.Template, l.Data)
	if err != nil {
		return nil, mail.Message{}, err
	}
	n := &db.NotificationSent{Key: l.Key, PersonID: l.PersonID, Kind: l.Kind, RefID: l.RefID, Seq: l.Seq}
	return n, mail.Message{To: l.To, Subject: l.Subject, Text: text, HTML: html}, nil
}

// letter is one templated mail to one person, sent at most once under Key.
type letter struct {
	Kind     string // notification kind (db.Notify…)
	Key      string // dedupe key: "KIND:…"; one mail per key, ever
	PersonID int64
	RefID    int64 // the enrollment or pair it is about
	Seq      int
	To       string
	Subject  string
	Template string // NAME of templates/NAME.txt and NAME.html
	Data     any
	// Check, when set, runs in the sending transaction and may decide not
	// to send (the state changed since the job read it).
	Check func(ctx context.Context, tx *db.Store) (bool, error)
}

// post renders and sends l once, counting it under counter; a failure to
// send one mail is logged and counted under "errors" and does not stop the
// run (the next run tries again: nothing was recorded). Only a template
// error, which every later mail would hit too, is returned.
func post(ctx context.Context, env Env, l letter, counts Counts, counter string) error {
	n, m, err := compose(l)
	if err != nil {
		return err
	}
	ok, err := sendOnce(ctx, env, n, m, l.Check)
	switch {
	case err != nil:
		env.Log.Warn("notification not sent", "kind", l.Kind, "ref", l.RefID, "person", l.PersonID, "err", err)
		counts["errors"]++
	case ok:
		counts[counter]++
	}
	return nil
}

// subscribed is a Check for non-essential mail: the person has not
// unsubscribed in the meantime.
func subscribed(personID int64) func(ctx context.Context, tx *db.Store) (bool, error) {
	return func(ctx context.Context, tx *db.Store) (bool, error) {
		unsub, err := tx.IsUnsubscribed(ctx, personID)
		return !unsub, err
	}
}

// both runs checks in order and sends only if all say so.
func both(checks ...func(ctx context.Context, tx *db.Store) (bool, error)) func(ctx context.Context, tx *db.Store) (bool, error) {
	return func(ctx context.Context, tx *db.Store) (bool, error) {
		for _, c := range checks {
			if ok, err := c(ctx, tx); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	}
}

// pairActive is a Check: the pair is still active.
func pairActive(pairID int64) func(ctx context.Context, tx *db.Store) (bool, error) {
	return func(ctx context.Context, tx *db.Store) (bool, error) {
		pr, err := tx.PairByID(ctx, pairID)
		if err != nil {
			return false, ignoreNotFound(err)
		}
		return pr.Status == db.PairActive, nil
	}
}

// enrollmentLink is the member's page of an enrollment.
func enrollmentLink(env Env, id int64) string {
	return env.Config.BaseURL + "/enrollments/" + strconv.FormatInt(id, 10)
}

// unsubscribeLink is the one-click link every non-essential mail carries.
func unsubscribeLink(env Env, personID int64) string {
	return notify.URL(env.Config.BaseURL, env.Config.SecretKey, personID)
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
