package matching

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/admin"
	"cohort/app/apperr"
	"cohort/app/web"
	"cohort/db"
)

// ActionSettings is the audit action of a change to the matching settings.
const ActionSettings = "program.matching"

// registerAdmin adds the matching settings form of the admin program page,
// guarded like the page itself (program.manage in that program).
func registerAdmin(s *web.Server) {
	s.Router().Post("/admin/programs/:slug/matching", admin.RequireProgramManage(s), func(c *fiber.Ctx) error {
		p, err := admin.ManagedProgram(c, s)
		if err != nil {
			return err
		}
		f := Form{Mode: c.FormValue("matching_mode"), MaxOpen: c.FormValue("max_open_requests"),
			ExpiryDays: c.FormValue("request_expiry_days"), DigestDays: c.FormValue("unmatched_digest_days"),
			Fields: c.FormValue("member_fields")}
		err = s.Store().InTx(c.UserContext(), func(ctx context.Context, tx *db.Store) error {
			cur, err := tx.LockProgram(ctx, p.ID)
			if err != nil {
				return err
			}
			before := cur.Settings
			if errs := f.Apply(&cur.Settings); len(errs) > 0 {
				keys := make([]string, 0, len(errs))
				for k := range errs {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				msgs := make([]string, len(keys))
				for i, k := range keys {
					msgs[i] = errs[k]
				}
				return apperr.New(apperr.Invalid, "Matching settings not saved: "+strings.Join(msgs, " "))
			}
			if err := tx.UpdateProgram(ctx, cur); err != nil {
				return err
			}
			ev := &db.AuditEvent{Action: ActionSettings, SubjectType: "program", SubjectID: strconv.FormatInt(cur.ID, 10),
				ProgramID: &cur.ID, RequestID: web.RequestID(c), Details: map[string]any{
					"before": settingsDetails(before), "after": settingsDetails(cur.Settings)}}
			if me := web.CurrentPerson(c); me != nil {
				ev.ActorID = &me.ID
			}
			return tx.RecordAudit(ctx, ev)
		})
		if err != nil {
			return err
		}
		return c.Redirect("/admin/programs/"+p.Slug+"#matching", fiber.StatusSeeOther)
	})
}

func settingsDetails(ps db.ProgramSettings) map[string]any {
	return map[string]any{"mode": ps.MatchingMode, "max_open_requests": ps.MaxOpenRequests,
		"request_expiry_days": ps.RequestExpiryDays, "unmatched_digest_days": ps.UnmatchedDigestDays,
		"member_fields": ps.MemberFields}
}
