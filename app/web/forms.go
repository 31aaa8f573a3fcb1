package web

// FieldError is one validation message for one form field.
type FieldError struct {
	Field   string // the input's id/name; the summary links to #Field
	Message string
}

// Form carries what a member typed and what was wrong with it, so a
// re-rendered form keeps every value and shows each error beside its field
// and in the summary at the top.
type Form struct {
	Values map[string]string
	Errors []FieldError
}

// NewForm starts a form with the given values.
func NewForm(values map[string]string) *Form {
	if values == nil {
		values = map[string]string{}
	}
	return &Form{Values: values}
}

// Add records an error for field.
func (f *Form) Add(field, message string) { f.Errors = append(f.Errors, FieldError{field, message}) }

// Error is the first message for field, or "".
func (f *Form) Error(field string) string {
	for _, e := range f.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Value is what was entered in field.
func (f *Form) Value(field string) string { return f.Values[field] }

// Valid reports whether there are no errors.
func (f *Form) Valid() bool { return len(f.Errors) == 0 }

// FieldErr is the first error for field, or nil (for the field_error partial).
func (f *Form) FieldErr(field string) *FieldError {
	for i := range f.Errors {
		if f.Errors[i].Field == field {
			return &f.Errors[i]
		}
	}
	return nil
}
