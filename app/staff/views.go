package staff

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"cohort/app/forms"
	"cohort/app/participants"
	"cohort/db"
)

// labeler turns stored values into the words the form shows for them
// (option labels), per column.
type labeler struct {
	cols      map[forms.Column]map[string]string
	interests map[string]string // lower-cased value → preset as written
}

func newLabeler(def *forms.Definition) *labeler {
	lv := &labeler{cols: map[forms.Column]map[string]string{}, interests: map[string]string{}}
	for _, col := range []forms.Column{forms.ColOrg, forms.ColLevel, forms.ColTrackChange, forms.ColDistancePref, forms.ColTimeAtLevel} {
		m := map[string]string{}
		if f, ok := def.ColumnField(col); ok {
			for _, o := range f.Options {
				m[o.Value] = o.Label
			}
		}
		lv.cols[col] = m
	}
	for _, col := range []forms.Column{forms.ColMentorInterests, forms.ColMenteeInterests} {
		if f, ok := def.ColumnField(col); ok {
			for _, p := range f.Presets {
				lv.interests[strings.ToLower(p)] = p
			}
			for _, o := range f.Options {
				lv.interests[strings.ToLower(o.Value)] = o.Label
			}
		}
	}
	return lv
}

// label is the option label of v in col, or v itself (free text).
func (lv *labeler) label(col forms.Column, v string) string {
	if l, ok := lv.cols[col][v]; ok {
		return l
	}
	return v
}

func (lv *labeler) interest(v string) string {
	if l, ok := lv.interests[v]; ok {
		return l
	}
	return v
}

// options lists col's options from the definition, in form order.
func columnOptions(def *forms.Definition, col forms.Column) []forms.Option {
	if f, ok := def.ColumnField(col); ok {
		return f.Options
	}
	return nil
}

// universe is what the facet lists offer: every status, both roles, and
// the organizations and levels of the form's options followed by any other
// value stored in the program (free-text answers, retired options).
func universe(def *forms.Definition, orgs, levels []string) participants.Universe {
	var u participants.Universe
	for _, s := range participants.Statuses {
		u.Status = append(u.Status, participants.Option{Value: s, Label: statusLabel(s)})
	}
	u.Role = []participants.Option{{Value: participants.RoleMentor, Label: "Mentor"}, {Value: participants.RoleMentee, Label: "Mentee"}}
	merge := func(col forms.Column, stored []string) []participants.Option {
		var out []participants.Option
		for _, o := range columnOptions(def, col) {
			out = append(out, participants.Option{Value: o.Value, Label: o.Label})
		}
		for _, v := range stored {
			if v != "" && !slices.ContainsFunc(out, func(o participants.Option) bool { return o.Value == v }) {
				out = append(out, participants.Option{Value: v, Label: v})
			}
		}
		return out
	}
	u.Org = merge(forms.ColOrg, orgs)
	u.Level = merge(forms.ColLevel, levels)
	return u
}

// rowView is one row of the table, ready to print.
type rowView struct {
	ID                                 int64
	Name, Email, Status, StatusLabel   string
	Roles, Org, Level, Zone, Offset    string
	Interests, Submitted, SubmittedISO string
	Link, RowURL                       string
	Paired                             bool // in a pair that has not ended
	CanEdit                            bool
	OOB                                bool // re-rendered after a change: swap in place
}

func newRowView(r *db.ParticipantRow, lv *labeler, sc *scope, q participants.Query, now time.Time) rowView {
	v := rowView{
		ID: r.ID, Name: r.FullName, Email: r.Email, Status: r.Status, StatusLabel: statusLabel(r.Status),
		Roles: roles(r.IsMentor, r.IsMentee), Org: lv.label(forms.ColOrg, r.Org), Level: lv.label(forms.ColLevel, r.Level),
		Zone: r.TimeZone, CanEdit: sc.canEdit, Paired: r.Paired,
		Link: sc.base() + "/" + strconv.FormatInt(r.ID, 10) + qs(q),
	}
	v.RowURL = v.Link + sep(q) + "refresh=row"
	if v.Name == "" {
		v.Name = "(no name yet)"
	}
	if r.TimeZone != "" {
		v.Offset = utcOffset(r.TZOffsetMin)
	}
	names := make([]string, 0, len(r.Interests))
	for _, in := range r.Interests {
		if l := lv.interest(in.Interest); !slices.Contains(names, l) {
			names = append(names, l)
		}
	}
	v.Interests = strings.Join(names, ", ")
	if r.SubmittedAt != nil {
		v.Submitted = r.SubmittedAt.In(zone(q.TZ)).Format("2006-01-02")
		v.SubmittedISO = r.SubmittedAt.UTC().Format(time.RFC3339)
	}
	return v
}

func roles(mentor, mentee bool) string {
	switch {
	case mentor && mentee:
		return "Mentor, Mentee"
	case mentor:
		return "Mentor"
	case mentee:
		return "Mentee"
	}
	return ""
}

// utcOffset prints minutes east of UTC as "UTC+5:30", "UTC−8", "UTC".
func utcOffset(min int) string {
	if min == 0 {
		return "UTC"
	}
	sign := "+"
	if min < 0 {
		sign, min = "−", -min
	}
	s := "UTC" + sign + strconv.Itoa(min/60)
	if m := min % 60; m != 0 {
		s += ":" + strconv.Itoa(m/10) + strconv.Itoa(m%10)
	}
	return s
}

// zone loads a zone Parse has already validated (UTC if it somehow fails).
func zone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// choice is one option of a select, checkbox or radio in the filter form.
type choice struct {
	ID, Value, Label string
	Checked          bool
}

// filterViews are the form's non-facet controls, filled from q.
type filterViews struct {
	Q                     string
	TZMin, TZMax          []choice
	Avail                 []choice
	Interests             []choice
	TrackChange, Distance []choice
	Paired                []choice
	Zones                 []choice
	ViewerTZ              string
}

func newFilterViews(def *forms.Definition, q participants.Query, lv *labeler) filterViews {
	fv := filterViews{Q: q.Q, ViewerTZ: q.TZ}
	offsets := func(selected *int) []choice {
		out := []choice{{Value: "", Label: "Any", Checked: selected == nil}}
		for h := participants.MinTZ; h <= participants.MaxTZ; h++ {
			out = append(out, choice{Value: strconv.Itoa(h), Label: utcOffset(h * 60), Checked: selected != nil && *selected == h})
		}
		return out
	}
	fv.TZMin, fv.TZMax = offsets(q.TZMin), offsets(q.TZMax)
	for h := range 24 {
		fv.Avail = append(fv.Avail, choice{ID: "f-avail-" + strconv.Itoa(h), Value: strconv.Itoa(h),
			Label: clock(h), Checked: slices.Contains(q.Avail, h)})
	}
	// Interests: the form's presets, then whatever else is filtered on.
	var seen []string
	for _, col := range []forms.Column{forms.ColMentorInterests, forms.ColMenteeInterests} {
		f, ok := def.ColumnField(col)
		if !ok {
			continue
		}
		for _, o := range f.Choices() {
			v := strings.ToLower(o.Value)
			if !slices.Contains(seen, v) {
				seen = append(seen, v)
				fv.Interests = append(fv.Interests, choice{Value: v, Label: o.Label, Checked: slices.Contains(q.Interests, v)})
			}
		}
	}
	for _, v := range q.Interests {
		if !slices.Contains(seen, v) {
			seen = append(seen, v)
			fv.Interests = append(fv.Interests, choice{Value: v, Label: lv.interest(v), Checked: true})
		}
	}
	for i := range fv.Interests {
		fv.Interests[i].ID = "f-interest-" + strconv.Itoa(i)
	}
	fromColumn := func(col forms.Column, param string, selected []string) []choice {
		var out []choice
		for i, o := range columnOptions(def, col) {
			out = append(out, choice{ID: "f-" + param + "-" + strconv.Itoa(i), Value: o.Value, Label: o.Label, Checked: slices.Contains(selected, o.Value)})
		}
		return out
	}
	fv.TrackChange = fromColumn(forms.ColTrackChange, "track_change", q.TrackChange)
	fv.Distance = fromColumn(forms.ColDistancePref, "distance_pref", q.DistancePref)
	fv.Paired = []choice{
		{ID: "f-paired-any", Value: "", Label: "Either", Checked: q.Paired == ""},
		{ID: "f-paired-yes", Value: participants.PairedYes, Label: "Paired", Checked: q.Paired == participants.PairedYes},
		{ID: "f-paired-no", Value: participants.PairedNo, Label: "Not paired", Checked: q.Paired == participants.PairedNo},
	}
	zones := viewerZones
	if !slices.Contains(zones, q.TZ) {
		zones = append([]string{q.TZ}, zones...)
	}
	for _, z := range zones {
		fv.Zones = append(fv.Zones, choice{Value: z, Label: z, Checked: z == q.TZ})
	}
	return fv
}

func clock(h int) string {
	return strconv.Itoa(h/10) + strconv.Itoa(h%10) + ":00"
}

// viewerZones are offered for reading times in; any valid zone works in
// the URL (?tz=), and is added to the list when used.
var viewerZones = []string{
	"UTC", "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago",
	"America/New_York", "America/Halifax", "America/Sao_Paulo", "Europe/London", "Europe/Lisbon", "Europe/Paris",
	"Europe/Berlin", "Europe/Athens", "Africa/Lagos", "Africa/Nairobi", "Europe/Moscow", "Asia/Dubai",
	"Asia/Kolkata", "Asia/Kathmandu", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
	"Australia/Perth", "Australia/Sydney", "Pacific/Auckland",
}
