package staff

import (
	"bufio"
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/forms"
	"cohort/app/participants"
	"cohort/app/web"
	"cohort/db"
)

// exportBatch is how many rows the export reads per query: each batch is
// written and flushed to the client before the next is read, so memory
// stays flat however large the program.
const exportBatch = 500

// exportTimeout bounds one export's database work.
const exportTimeout = 10 * time.Minute

var csvHeader = []string{"id", "name", "email", "status", "roles", "org", "level", "time zone",
	"hours (UTC)", "interests", "submitted at (UTC)", "paired"}

// export streams exactly the filtered participants (every page, in the
// table's order) as CSV. Reviewers may look but not export: it needs
// participants.export. The export itself is audited, with its filters,
// because it takes personal data out of Cohort.
func (h *handlers) export(c *fiber.Ctx) error {
	sc, err := h.load(c, authz.ParticipantsExport)
	if err != nil {
		return err
	}
	q, probs := participants.Parse(queryValues(c))
	if len(probs) > 0 {
		return apperr.New(apperr.Invalid, probs[0].Message)
	}
	q = q.FirstPage()
	store := h.s.Store()
	me := web.CurrentPerson(c)
	if err := store.RecordAudit(c.UserContext(), &db.AuditEvent{
		ActorID: &me.ID, Action: ActionExport, SubjectType: "program", SubjectID: strconv.FormatInt(sc.p.ID, 10),
		ProgramID: &sc.p.ID, Details: map[string]any{"query": q.Encode()}, RequestID: web.RequestID(c),
	}); err != nil {
		return err
	}
	pg := db.ParticipantPage{Filter: dbFilter(sc.p.ID, q), Sort: q.Sort, Desc: q.Desc, Limit: exportBatch}
	lv := newLabeler(sc.def)
	now := store.Now()
	cols, err := h.answerColumns(c.UserContext(), sc)
	if err != nil {
		return err
	}
	log, reqID := h.s.Log(), web.RequestID(c)
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+sc.p.Slug+"-participants-"+now.Format("20060102")+`.csv"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	// The writer runs after this handler has returned, while the response
	// is sent: it must not touch c, only what was copied out of it above.
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		cw := csv.NewWriter(w)
		// A byte-order mark, so spreadsheet programs read the file as
		// UTF-8 (names, "09:00–17:00") instead of guessing a legacy code page.
		_, _ = w.WriteString("\ufeff")
		_ = cw.Write(append(slices.Clone(csvHeader), cols.header()...))
		err := store.EachParticipant(ctx, pg, func(rows []db.ParticipantRow) error {
			ids := make([]int64, len(rows))
			for i := range rows {
				ids[i] = rows[i].ID
			}
			answers, err := store.AnswersOf(ctx, sc.p.ID, ids)
			if err != nil {
				return err
			}
			for i := range rows {
				rec := append(csvRecord(&rows[i], lv, now), cols.cells(answers[rows[i].ID], now)...)
				if err := cw.Write(rec); err != nil {
					return err
				}
			}
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			return w.Flush() // this batch goes to the client now
		})
		if err != nil {
			// The status line has gone already; say so in the file
			// rather than end it as if it were complete.
			log.Error("participant export failed", "request_id", reqID, "err", err)
			_ = cw.Write([]string{"ERROR: the export stopped before the end; please download it again."})
		}
		cw.Flush()
		_ = w.Flush()
	})
	return nil
}

// csvRecord is one participant as a CSV row, every cell neutralised
// against formula injection.
func csvRecord(r *db.ParticipantRow, lv *labeler, now time.Time) []string {
	var rs []string
	if r.IsMentor {
		rs = append(rs, "mentor")
	}
	if r.IsMentee {
		rs = append(rs, "mentee")
	}
	var ins []string
	for _, in := range r.Interests {
		if l := lv.interest(in.Interest); !contains(ins, l) {
			ins = append(ins, l)
		}
	}
	submitted := ""
	if r.SubmittedAt != nil {
		submitted = r.SubmittedAt.UTC().Format(time.RFC3339)
	}
	hours := ""
	if r.AvailMask != 0 {
		hours = forms.FormatHours(r.AvailMask, "UTC", now)
	}
	rec := []string{strconv.FormatInt(r.ID, 10), r.FullName, r.Email, r.Status, strings.Join(rs, "; "),
		r.Org, r.Level, r.TimeZone, hours, strings.Join(ins, "; "), submitted, yesNo(r.Paired)}
	for i := range rec {
		rec[i] = participants.SafeCell(rec[i])
	}
	return rec
}

// answerColumns are the CSV's answer columns: one per field of the
// current form, then one per field an earlier version asked and the
// current one dropped, so those answers leave with the rest.
type answerColumns struct {
	current *forms.Definition
	fields  []*forms.Field            // the current form's fields
	removed []*forms.Field            // fields only earlier versions have
	history []*forms.Definition       // every version, newest first
	byVer   map[int]*forms.Definition // version → definition
}

func (h *handlers) answerColumns(ctx context.Context, sc *scope) (*answerColumns, error) {
	hist, err := h.results.Forms().History(ctx, sc.p)
	if err != nil {
		return nil, err
	}
	ac := &answerColumns{current: sc.def, fields: sc.def.Fields(), history: hist, byVer: map[int]*forms.Definition{}}
	for i, d := range hist {
		ac.byVer[sc.p.FormVersion-i] = d
	}
	ac.removed = forms.RemovedFields(sc.def, hist)
	return ac, nil
}

func (ac *answerColumns) header() []string {
	out := make([]string, 0, len(ac.fields)+len(ac.removed))
	for _, f := range ac.fields {
		out = append(out, participants.SafeCell(f.Label))
	}
	for _, f := range ac.removed {
		out = append(out, participants.SafeCell(f.Label+" ("+forms.NoLongerAskedText+")"))
	}
	return out
}

// cells are one enrollment's answers under the header's columns: as the
// participant page shows them, "not asked when this person enrolled" for
// a field their version did not have, options no longer offered flagged.
func (ac *answerColumns) cells(ea *db.EnrollmentAnswers, now time.Time) []string {
	out := make([]string, 0, len(ac.fields)+len(ac.removed))
	if ea == nil { // deleted between the two reads
		return append(out, make([]string, cap(out))...)
	}
	answers := forms.Answers(ea.Answers)
	answered := ac.byVer[ea.FormVersion]
	if answered == nil {
		answered = ac.current
	}
	older := append([]*forms.Definition{answered}, ac.history...)
	for _, f := range ac.fields {
		_, has := answers[f.Key]
		var v string
		switch {
		case !has && !answered.Asked(f.Key):
			v = forms.NotAskedText
		case f.Type == forms.TypeFile:
			if has {
				v = "(file)"
			}
		default:
			v, _ = forms.DisplayOffered(ac.current, f, answers, older, now)
		}
		out = append(out, participants.SafeCell(v))
	}
	for _, f := range ac.removed {
		v := ""
		if f.Type == forms.TypeFile {
			if _, has := answers[f.Key]; has {
				v = "(file)"
			}
		} else {
			v = forms.Display(nil, f, answers, now)
		}
		out = append(out, participants.SafeCell(v))
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
