package api

import (
	"bytes"
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portail"
)

// FuzzActivityCSV: whatever the logged text holds (a username, a detail,
// an address or a User-Agent chosen by whoever signed in), the export
// re-parses as RFC 4180 to one row per entry of exactly the header's
// columns, no cell starts with what a spreadsheet runs as a formula (=, +,
// -, @, tab, carriage return), and each text cell reads back as logged,
// behind the neutralising apostrophe.
func FuzzActivityCSV(f *testing.F) {
	f.Add("alice", "login_failed", "bad password", "192.0.2.1", "Mozilla/5.0", uint32(1), uint32(7), int64(0))
	f.Add("=cmd|' /C calc'!A0", "+x", "-2+3", "@SUM(A1)", "\t=1", uint32(2), uint32(0), int64(1))
	f.Add("\r=1", "a,b", "line1\nline2", "\"quoted\"", "\r\n", uint32(3), uint32(9), int64(-1))
	f.Add("", "", "", "", "", uint32(0), uint32(0), int64(1<<40))
	f.Add(" =1", "\xff", "é\u2028", "=", "-", uint32(5), uint32(5), int64(12345))
	f.Fuzz(func(t *testing.T, username, typ, detail, ip, ua string, id, userID uint32, offset int64) {
		at := time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC).Add(time.Duration(offset % (100 * 365 * 24 * int64(time.Hour))))
		entries := []*portail.Activity{
			{ID: int64(id), At: at, UserID: int64(userID), Username: username, ActorID: int64(userID), Type: portail.ActivityType(typ),
				Detail: detail, IP: ip, UserAgent: ua, StartedAt: &at, EndedAt: &at},
			{ID: int64(id) + 1, At: at, Username: ua, Type: portail.ActivityType(detail), Detail: username, IP: typ, UserAgent: ip},
		}
		w := httptest.NewRecorder()
		WriteActivityCSV(w, func(fn func(*portail.Activity) error) error {
			for _, e := range entries {
				if err := fn(e); err != nil {
					return err
				}
			}
			return nil
		}, func(err error) { t.Fatalf("export failed: %v", err) })
		rows, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
		if err != nil {
			t.Fatalf("the export does not re-parse: %v\n%q", err, w.Body)
		}
		if len(rows) != 1+len(entries) {
			t.Fatalf("%d rows for %d entries:\n%q", len(rows), len(entries), w.Body)
		}
		for i, row := range rows {
			if len(row) != len(ActivityCSVHeader) {
				t.Fatalf("row %d has %d columns: %q", i, len(row), row)
			}
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Fatalf("row %d: cell %q starts a formula", i, cell)
				}
			}
			if i == 0 {
				continue
			}
			e := entries[i-1]
			// The writer ends lines with CRLF and the reader reads a line end
			// inside a cell as LF, so a lone CR does not come back.
			for col, want := range map[int]string{3: e.Username, 5: string(e.Type), 6: e.Detail, 7: e.IP, 8: e.UserAgent} {
				if got, want := row[col], strings.ReplaceAll(CSVSafe(want), "\r", ""); got != want {
					t.Fatalf("row %d column %s: %q, logged %q", i, ActivityCSVHeader[col], got, want)
				}
			}
		}
	})
}

// FuzzCSVSafe: neutralising is the apostrophe before a formula start and
// nothing else; applied twice it changes nothing more.
func FuzzCSVSafe(f *testing.F) {
	for _, s := range []string{"", "=1", "+1", "-1", "@x", "\tx", "\rx", "'=1", "a=1", "\n=1", " =1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CSVSafe(s)
		danger := s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
		if (danger && got != "'"+s) || (!danger && got != s) {
			t.Fatalf("CSVSafe(%q) = %q", s, got)
		}
		if CSVSafe(got) != got {
			t.Fatalf("CSVSafe is not idempotent on %q", s)
		}
	})
}
