// Package staffnav is the one navigation of a program's staff pages
// (participants, pairs, proposal, …): each page a line in Pages, shown to
// those who may open it. Handlers put For's links in their data under
// "ProgramNav"; pages include the partial "partials/program_nav".
package staffnav

import (
	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/web"
	"cohort/db"
)

// Page is one staff page of a program: Key names it for aria-current,
// Path follows /staff/programs/SLUG/, Perm is what opening it takes, and
// Feature (if set) the program feature it needs.
type Page struct {
	Key, Label, Path string
	Perm             authz.Permission
	Feature          string
}

// Pages are a program's staff pages in the order the navigation shows
// them. A new page is one line here.
var Pages = []Page{
	{Key: "participants", Label: "Participants", Path: "participants", Perm: authz.ParticipantsView},
	{Key: "pairs", Label: "Pairs", Path: "pairs", Perm: authz.PairsManage, Feature: features.Pairing},
	{Key: "proposal", Label: "Proposal", Path: "proposal", Perm: authz.PairsManage, Feature: features.Pairing},
}

// Link is one entry of the navigation as the partial draws it.
type Link struct {
	Label, URL string
	Current    bool
}

// Nav is the partial's data: the program and its links.
type Nav struct {
	Program *db.Program
	Links   []Link
}

// For is the navigation of program p for the current person, with current
// (a Page key) marked: only the pages they may open, in Pages' order.
func For(c *fiber.Ctx, s *web.Server, p *db.Program, current string) (*Nav, error) {
	return build(p, current, func(pg Page) (bool, error) {
		if pg.Feature != "" && !features.For(p.Settings.Flags).On(pg.Feature) {
			return false, nil
		}
		return access.Can(c, s, pg.Perm, p.ID)
	})
}

// build is For with the permission check given, so the choice of links
// is tested without a request.
func build(p *db.Program, current string, may func(Page) (bool, error)) (*Nav, error) {
	nav := &Nav{Program: p}
	for _, pg := range Pages {
		ok, err := may(pg)
		if err != nil {
			return nil, err
		}
		if ok {
			nav.Links = append(nav.Links, Link{Label: pg.Label, URL: "/staff/programs/" + p.Slug + "/" + pg.Path, Current: pg.Key == current})
		}
	}
	return nav, nil
}
