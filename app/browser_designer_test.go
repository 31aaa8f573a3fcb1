package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"cohort/app/apptest"
	"cohort/app/browsertest"
	"cohort/app/demo"
	"cohort/config"
	"cohort/db"
	"cohort/db/dbtest"
)

// The program designer in a real browser: an admin builds a three-step
// form with a question shown only for one answer, from an empty form,
// publishes it, and a member completes it. With JavaScript every change
// swaps the designer in place and focus follows the change; without it
// every change is a plain post and redirect. Both at a desktop and a phone
// width.

// designerSite serves the demo data plus an empty-handed "club" program.
func designerSite(t *testing.T) string {
	t.Helper()
	s := dbtest.New(t, config.DialectSQLite)
	ctx := context.Background()
	if _, err := demo.Seed(ctx, s, demo.Options{Participants: 3, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	p := &db.Program{Slug: "club", Name: "Book club", Kind: db.KindMembership, FormKey: "membership"}
	if err := s.CreateProgram(ctx, p); err != nil {
		t.Fatal(err)
	}
	return apptest.Serve(t, apptest.New(t, s, map[string]string{"UPLOAD_DIR": t.TempDir()}))
}

const designerURL = "/admin/programs/club/form"

type designerBrowser struct {
	*enrollBrowser
}

func newDesignerBrowser(t *testing.T, o browsertest.Options, width, height int64) *designerBrowser {
	t.Helper()
	m := &enrollBrowser{t: t, ctx: browsertest.New(t, o), base: designerSite(t), js: !o.NoJavaScript}
	m.do("viewport", chromedp.EmulateViewport(width, height))
	return &designerBrowser{m}
}

// submit clicks a button and waits for what the change brings.
func (d *designerBrowser) submit(button, waitFor string) {
	d.t.Helper()
	d.do("click "+button, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(waitFor)))
	if d.visible(`#designer .error-summary`) {
		d.t.Fatalf("after %s the designer refused the change: %s", button, d.text(`#designer .error-summary`))
	}
}

// focused waits (with scripts) until focus is on the element with id.
func (d *designerBrowser) focused(id string) {
	d.t.Helper()
	if d.js {
		d.waitFor("focus on #"+id, `document.activeElement && document.activeElement.id === "`+id+`"`)
	}
}

func (d *designerBrowser) addStep(i, key, title string) {
	d.t.Helper()
	d.typeInto("d-new-step_title", title)
	d.typeInto("d-new-step_key", key)
	d.submit(`#d-add-step`, `#d-step-`+i)
	d.focused("d-step-" + i)
}

func (d *designerBrowser) addField(step, j, key, label, typ, choices string) {
	d.t.Helper()
	p := "d-s" + step + "-new-"
	d.typeInto(p+"label", label)
	d.typeInto(p+"key", key)
	d.choose(p+"type", typ)
	if choices != "" {
		d.typeInto(p+"choices", choices)
	}
	d.submit(`#d-step-`+step+` .designer-add-field button[type=submit]`, `#d-field-`+step+`-`+j+` .designer-field-form`)
	// The new question's form is open, focus on its first input.
	d.focused("d-f-label")
}

// saveField saves the open question form.
func (d *designerBrowser) saveField(anchor, wantDetail string) {
	d.t.Helper()
	d.do("save the question", chromedp.Click(chromedp.CSS(`.designer-field-form .form-actions button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`.designer-field-form`)))
	if got := d.text(`#` + anchor); !strings.Contains(got, wantDetail) {
		d.t.Fatalf("question %s says %q, want %q", anchor, got, wantDetail)
	}
	d.focused(anchor)
}

// build makes the three-step form from nothing and publishes it.
func (d *designerBrowser) build(screenshot string) {
	d.t.Helper()
	d.signIn(demo.AdminEmail, "Ada Admin")
	d.do("open the designer", chromedp.Navigate(d.base+designerURL), chromedp.WaitVisible(chromedp.CSS(`#d-start`)))
	d.do("start from an empty form",
		chromedp.Click(chromedp.CSS(`label[for="d-source-0"]`)),
		chromedp.Click(chromedp.CSS(`#d-start button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	if got := d.text(`.flash-success`); !strings.Contains(got, "new draft") {
		d.t.Fatalf("after starting: %q", got)
	}
	d.addStep("0", "about", "About you")
	d.addField("0", "0", "name", "Your name", "text", "")
	d.tick("d-f-required")
	d.saveField("d-field-0-0", "required")
	d.addField("0", "1", "genre", "Favourite genre", "radio", "fiction | Fiction\nother | Something else")

	d.addStep("1", "details", "Details")
	d.addField("1", "0", "genre_other", "Which genre?", "text", "")
	d.tick("d-f-required")
	d.do("open the show-if group", chromedp.Click(chromedp.CSS(`#d-f-showif summary`)), chromedp.WaitVisible(chromedp.ID(`d-f-show_if_value`)))
	d.choose("d-f-show_if_field", "genre")
	d.typeInto("d-f-show_if_value", "other")
	d.saveField("d-field-1-0", "shown when genre is other")
	d.addField("1", "1", "pages", "Pages a week", "number", "")
	d.typeInto("d-f-help", "Roughly")
	if d.js {
		// The preview follows the form as it is typed, before saving.
		d.waitFor("the live preview shows the help", `(document.getElementById("pages-hint") || {}).textContent === "Roughly"`)
	}
	d.typeInto("d-f-min", "1")
	d.typeInto("d-f-max", "2000")
	d.saveField("d-field-1-1", "Pages a week")

	d.addStep("2", "finish", "Finish")
	d.addField("2", "0", "agree", "I will read along", "consent", "")
	d.tick("d-f-required")
	d.saveField("d-field-2-0", "required")

	// The preview shows the step with the member's own inputs.
	if d.js {
		d.do("preview the first step",
			chromedp.Click(chromedp.CSS(`#designer-preview a[href^="`+designerURL+`?step=0"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#designer-preview #genre-1`)))
	} else {
		d.do("preview the first step", chromedp.Navigate(d.base+designerURL+"?step=0"), chromedp.WaitVisible(chromedp.CSS(`#designer-preview #genre-1`)))
	}
	if got := d.text(`#designer-preview-title`); got != "Preview: About you" {
		d.t.Fatalf("preview heading %q", got)
	}
	// Try it: a required answer left out is reported, nothing saved.
	d.do("try the step with nothing filled in", chromedp.Click(chromedp.CSS(`#designer-preview button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#designer-preview .error-summary`)))
	if d.js {
		d.waitFor("focus on the try-it summary", `document.activeElement && document.activeElement.matches("#designer-preview .error-summary")`)
	}
	if got := d.text(`#designer-preview .error-summary`); !strings.Contains(got, "Enter your name") {
		d.t.Fatalf("try-it summary %q", got)
	}
	if d.text(`#d-problems`) != "The checker finds no problems in this form." {
		d.t.Fatalf("problems: %s", d.text(`#d-problems`))
	}
	if overflow := enrollEval[bool](d.enrollBrowser, `document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		d.t.Errorf("the designer scrolls sideways at this width")
	}
	if screenshot != "" {
		d.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, document.querySelector("#d-steps").offsetTop - 8)`))
		png := enrollRun(d.enrollBrowser, "screenshot", chromedp.CaptureScreenshot())
		if err := os.MkdirAll(filepath.Dir(screenshot), 0o755); err != nil {
			d.t.Fatal(err)
		}
		if err := os.WriteFile(screenshot, png, 0o644); err != nil {
			d.t.Fatal(err)
		}
	}
	// The last change's confirmation is still on the page: clear it, so
	// the wait below sees the publish's own.
	d.do("clear the flash", chromedp.Evaluate[chromedp.Void](`document.getElementById("flash").replaceChildren()`))
	d.do("publish",
		chromedp.Click(chromedp.CSS(`form[action="`+designerURL+`/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-success`)))
	if got := d.text(`#d-status`); !strings.Contains(got, "version 1") {
		d.t.Fatalf("after publishing: %q", got)
	}
}

// complete enrolls the member through the published form.
func (d *designerBrowser) complete() {
	d.t.Helper()
	d.signOut()
	d.signIn(demo.MemberEmail, "Mel Member")
	d.do("start enrolling",
		chromedp.Navigate(d.base+"/programs/club"),
		chromedp.Click(chromedp.CSS(`form[action="/programs/club/enroll"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID(`name`)))
	d.typeInto("name", "Mel Member")
	d.tick("genre-1") // Something else
	d.next()
	d.do("the second step asks which genre", chromedp.WaitVisible(chromedp.ID(`genre_other`)))
	d.typeInto("genre_other", "Poetry")
	d.typeInto("pages", "120")
	d.next()
	d.do("the last step", chromedp.WaitVisible(chromedp.CSS(`label[for="agree"]`)))
	d.tick("agree")
	d.next()
	d.do("review", chromedp.WaitVisible(chromedp.ID(`review-title`)))
	review := d.text(`main`)
	for _, want := range []string{"Mel Member", "Something else", "Poetry", "120"} {
		if !strings.Contains(review, want) {
			d.t.Errorf("review lacks %q:\n%s", want, review)
		}
	}
	d.do("submit", chromedp.Click(chromedp.CSS(`form[action$="/submit"] button[type=submit]`)), chromedp.WaitVisible(chromedp.ID(`status-title`)))
}

func TestBrowserDesigner(t *testing.T) {
	t.Run("1280", func(t *testing.T) {
		d := newDesignerBrowser(t, browsertest.Options{}, 1280, 800)
		d.build(filepath.Join("testdata", "screenshots", "designer-1280.png"))
		d.complete()
	})
	t.Run("390", func(t *testing.T) {
		d := newDesignerBrowser(t, browsertest.Options{}, 390, 844)
		d.build("")
		d.complete()
	})
	t.Run("no-javascript", func(t *testing.T) {
		d := newDesignerBrowser(t, browsertest.Options{NoJavaScript: true}, 390, 844)
		d.build("")
		d.complete()
	})
}
