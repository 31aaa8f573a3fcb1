package participants

import "strings"

// SafeCell neutralises a value for a CSV file that will be opened in a
// spreadsheet: a cell that starts with =, +, -, @, a tab or a carriage
// return would be read as a formula (CSV injection: "=HYPERLINK(…)",
// "=cmd|…"), so it gets a leading apostrophe, which spreadsheets show as
// text and do not display. Every other value is returned unchanged.
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
