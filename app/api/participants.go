package api

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/pairs"
	"cohort/app/participants"
	"cohort/app/staff"
	"cohort/db"
)

// participantPageJSON is one page of GET /programs/{slug}/participants.
type participantPageJSON struct {
	Participants []participantJSON `json:"participants"`
	NextCursor   *string           `json:"next_cursor"`
	Total        int               `json:"total"` // how many match, on every page
}

// participants lists a program's participants exactly as the staff table
// does — its filters and sort as query parameters, its order, its keyset
// cursor (as cursor / next_cursor) — read through the table's own store
// query and version-keyed cache (staff.Results). The encoded page is
// cached too, so a repeated request costs the authentication and one read
// of the data version.
func (h handlers) participants(c *fiber.Ctx) error {
	p, err := h.viewable(c)
	if err != nil {
		return err
	}
	q, limit, probs := listQuery(string(c.Request().URI().QueryString()))
	if len(probs) > 0 {
		return invalidParams(c, probs)
	}
	ctx := c.UserContext()
	snap, err := h.results.Snapshot(ctx, p)
	if err != nil {
		return err
	}
	body, err := h.results.Memo(snap, "json|"+strconv.Itoa(limit), q, func() ([]byte, error) {
		return h.participantPage(ctx, snap, q, limit)
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(body)
}

// viewable loads the program named by :slug if the person may view its
// participants; otherwise 404, as the staff table answers.
func (h handlers) viewable(c *fiber.Ctx) (*db.Program, error) {
	slug := c.Params("slug")
	if slug == "" || len(slug) > 64 {
		return nil, apperr.New(apperr.NotFound, "")
	}
	p, err := h.results.Program(c.UserContext(), slug)
	if err != nil {
		return nil, err // db.ErrNotFound → 404
	}
	return p, pairs.Authorize(c, h.s, p, authz.ParticipantsView, false)
}

// participantPage reads and encodes one page. The rows, their order and
// the cursor are the table's; the few columns the table does not show
// (manager email, last update, the account name a nameless draft falls
// back to) come from one more query by id, so a participant looks the
// same here as from GET /participants/{id}.
func (h handlers) participantPage(ctx context.Context, snap staff.Snapshot, q participants.Query, limit int) ([]byte, error) {
	facets, pg, err := h.results.Read(ctx, snap, q, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(pg.Rows))
	for i := range pg.Rows {
		ids = append(ids, pg.Rows[i].ID)
	}
	more, err := h.s.Store().Pairables(ctx, db.PairableQuery{ProgramID: snap.Program.ID, IDs: ids})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*db.Pairable, len(more))
	for _, e := range more {
		byID[e.ID] = e
	}
	out := participantPageJSON{Participants: make([]participantJSON, len(pg.Rows)), Total: facets.Total}
	for i := range pg.Rows {
		out.Participants[i] = rowOut(snap.Program.Slug, &pg.Rows[i], byID[pg.Rows[i].ID])
	}
	if pg.Next != nil {
		next := pg.Next.Encode()
		out.NextCursor = &next
	}
	return json.Marshal(out)
}

// rowOut is a table row in the API's participant shape; more (nil if the
// enrollment went in between the two reads) adds what the row lacks.
func rowOut(slug string, r *db.ParticipantRow, more *db.Pairable) participantJSON {
	e := db.Pairable{
		ID: r.ID, PersonID: r.PersonID, Email: r.Email, FullName: r.FullName, Status: r.Status,
		IsMentor: r.IsMentor, IsMentee: r.IsMentee, TimeZone: r.TimeZone, AvailMask: r.AvailMask,
		Org: r.Org, Level: r.Level, DistancePref: r.DistancePref, TrackChange: r.TrackChange,
		SubmittedAt: r.SubmittedAt, Interests: r.Interests,
	}
	if more != nil {
		e.PersonName, e.ManagerEmail, e.UpdatedAt = more.PersonName, more.ManagerEmail, more.UpdatedAt
	}
	out := participantOut(slug, &e)
	paired := r.Paired
	out.Paired = &paired
	return out
}

// listQuery reads the list's parameters: the staff table's, parsed by the
// table's own parser (participants.Parse), plus limit, and cursor for the
// table's after (either name works; a table URL's query string works here
// as it is). Every problem names its parameter.
func listQuery(raw string) (participants.Query, int, []participants.Problem) {
	v, probs := queryValues(raw)
	limit := defaultLimit
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			probs = append(probs, participants.Problem{Field: "limit", Message: "A number from 1 to " + strconv.Itoa(maxLimit) + "."})
		}
		limit = n
	}
	cursorField, cursor := "after", v.Get("after")
	if c := v.Get("cursor"); c != "" {
		if cursor != "" && cursor != c {
			probs = append(probs, participants.Problem{Field: "cursor", Message: "Send cursor or after, not both."})
		}
		cursorField, cursor = "cursor", c
		v.Set("after", c)
	}
	q, ps := participants.Parse(v)
	for _, p := range ps {
		if p.Field == "after" {
			p.Field, p.Message = cursorField, "Not a cursor of this list: send the next_cursor of the previous page."
		}
		probs = append(probs, p)
	}
	if cursor != "" && q.After == nil && len(ps) == 0 {
		// Parse leaves a cursor of another order behind (for a hand-edited
		// link the first page is right); a client would page forever.
		probs = append(probs, participants.Problem{Field: cursorField,
			Message: "The cursor belongs to another order: send the sort and dir of the page it came from."})
	}
	// Times are UTC in JSON: the viewer's zone changes nothing here.
	q.TZ = "UTC"
	return q, limit, probs
}

// queryValues decodes a query string like url.ParseQuery, keeping repeated
// keys, but reports each undecodable parameter instead of dropping it.
func queryValues(raw string) (url.Values, []participants.Problem) {
	v := url.Values{}
	var probs []participants.Problem
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, val, _ := strings.Cut(part, "=")
		key, kerr := url.QueryUnescape(k)
		value, verr := url.QueryUnescape(val)
		if kerr != nil || verr != nil {
			if kerr != nil {
				key = k
			}
			probs = append(probs, participants.Problem{Field: key, Message: "Not valid URL encoding."})
			continue
		}
		v[key] = append(v[key], value)
	}
	return v, probs
}

// paramJSON is one invalid parameter.
type paramJSON struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

// invalidParams answers 400 in the usual error shape, the message naming
// every invalid parameter and error.params listing them one by one.
func invalidParams(c *fiber.Ctx, probs []participants.Problem) error {
	list := make([]paramJSON, len(probs))
	msgs := make([]string, len(probs))
	for i, p := range probs {
		list[i] = paramJSON{p.Field, p.Message}
		msgs[i] = p.Field + ": " + p.Message
	}
	return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"error": fiber.Map{
		"code": apperr.Invalid, "message": strings.Join(msgs, " "), "request_id": requestID(c), "params": list,
	}})
}
