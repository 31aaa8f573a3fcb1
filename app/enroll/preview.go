package enroll

import (
	"time"

	"cohort/app/forms"
)

// FieldView is what the field partial (partials/enroll_field) renders for
// one field: exported so the program designer's preview renders a step
// exactly as a member sees it.
type FieldView = fieldView

// FieldViews builds the views of step's fields from form inputs and
// errors, as the member's step page does (without uploads).
func FieldViews(def *forms.Definition, step *forms.Step, in map[string][]string, answers forms.Answers, errs []forms.FieldError, now time.Time) []FieldView {
	return fieldViews(def, step, in, answers, errs, nil, now)
}
