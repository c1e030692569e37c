package portail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"portail"
)

// TestLifecycles checks every (from, to) pair of each kind, including the
// empty and an unknown status, against the life cycles written out here
// by hand, and which statuses are final.
func TestLifecycles(t *testing.T) {
	for _, tt := range []struct {
		kind     portail.SubjectKind
		statuses []string
		final    []string
		moves    map[string][]string // from → every allowed next status, the usual one first
	}{
		{
			kind: portail.SubjectDocument,
			// SPEC §9 Wave-2 details 8.
			statuses: []string{"action_required", "received", "processing", "printed", "posted", "failed", "cancelled", "returned"},
			final:    []string{"failed", "cancelled", "returned"},
			moves: map[string][]string{
				"action_required": {"received", "cancelled"},
				"received":        {"processing", "cancelled"},
				"processing":      {"printed", "posted", "failed", "received"},
				"printed":         {"posted", "failed"},
				"posted":          {"returned"},
			},
		},
		{
			kind:     portail.SubjectLabel,
			statuses: []string{"created", "in_transit", "delivered", "returned"},
			final:    []string{"delivered", "returned"},
			moves: map[string][]string{
				"created":    {"in_transit"},
				"in_transit": {"delivered", "returned"},
			},
		},
	} {
		t.Run(string(tt.kind), func(t *testing.T) {
			all := append([]string{"", "lost"}, tt.statuses...)
			for _, from := range all {
				for _, to := range all {
					want := false
					for _, n := range tt.moves[from] {
						want = want || n == to
					}
					if got := tt.kind.CanMove(from, to); got != want {
						t.Errorf("CanMove(%q, %q) = %v, want %v", from, to, got, want)
					}
				}
			}
			var statuses, final []string
			var valid map[string]bool
			var next map[string][]string
			switch tt.kind {
			case portail.SubjectDocument:
				statuses, final, valid, next = observe(t, &portail.DocumentLifecycle, all)
			case portail.SubjectLabel:
				statuses, final, valid, next = observe(t, &portail.LabelLifecycle, all)
			}
			if strings.Join(statuses, " ") != strings.Join(tt.statuses, " ") {
				t.Errorf("statuses %v, want %v in this order", statuses, tt.statuses)
			}
			for _, s := range all {
				if want := s != "" && s != "lost"; valid[s] != want {
					t.Errorf("Valid(%q) = %v, want %v", s, valid[s], want)
				}
			}
			if strings.Join(final, " ") != strings.Join(tt.final, " ") {
				t.Errorf("final %v, want %v", final, tt.final)
			}
			for _, from := range all {
				if strings.Join(next[from], " ") != strings.Join(tt.moves[from], " ") {
					t.Errorf("Next(%q) = %v, want %v (the usual one first: the simulator takes it)", from, next[from], tt.moves[from])
				}
			}
		})
	}
}

// observe reads a life cycle through its methods: the statuses in order,
// the final ones among all, which of all are valid, and the next statuses
// of each.
func observe[S ~string](t *testing.T, l *portail.Lifecycle[S], all []string) (statuses, final []string, valid map[string]bool, next map[string][]string) {
	t.Helper()
	valid, next = map[string]bool{}, map[string][]string{}
	for _, s := range l.Statuses {
		statuses = append(statuses, string(s))
	}
	for _, s := range all {
		st := S(s)
		valid[s] = l.Valid(st)
		if l.Final(st) {
			final = append(final, s)
		}
		for _, n := range l.Next(st) {
			if !l.CanMove(st, n) {
				t.Errorf("%q → %q is next but not allowed", s, n)
			}
			next[s] = append(next[s], string(n))
		}
	}
	return statuses, final, valid, next
}

// TestStatusMethods: the methods of the status types answer as their
// life cycle does.
func TestStatusMethods(t *testing.T) {
	for _, s := range []portail.DocumentStatus{"", "lost", portail.DocumentReceived, portail.DocumentPosted, portail.DocumentFailed} {
		l := &portail.DocumentLifecycle
		if s.Valid() != l.Valid(s) || s.Final() != l.Final(s) || s.CanMoveTo(portail.DocumentFailed) != l.CanMove(s, portail.DocumentFailed) {
			t.Errorf("document %q: the status's methods disagree with the life cycle", s)
		}
	}
	for _, s := range []portail.LabelStatus{"", "lost", portail.LabelCreated, portail.LabelInTransit, portail.LabelReturned} {
		l := &portail.LabelLifecycle
		if s.Valid() != l.Valid(s) || s.Final() != l.Final(s) || s.CanMoveTo(portail.LabelReturned) != l.CanMove(s, portail.LabelReturned) {
			t.Errorf("label %q: the status's methods disagree with the life cycle", s)
		}
	}
}

// TestStatusFilterMessages: the message refusing an unknown status in a
// list filter names every status of the life cycle, in its order, so a
// status added to the table cannot be left out of what users are told.
func TestStatusFilterMessages(t *testing.T) {
	say := func(ss []string) string {
		return "Use " + strings.Join(ss[:len(ss)-1], ", ") + " or " + ss[len(ss)-1] + "."
	}
	var docs, labels []string
	for _, s := range portail.DocumentStatuses {
		docs = append(docs, string(s))
	}
	for _, s := range portail.LabelStatuses {
		labels = append(labels, string(s))
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"documents", (&portail.DocumentFilter{Status: "lost"}).Validate(), say(docs)},
		{"labels", (&portail.LabelFilter{Status: "lost"}).Validate(), say(labels)},
	} {
		var e *portail.Error
		if !errors.As(tt.err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "status" || e.Fields[0].Message != tt.want {
			t.Errorf("%s: %#v, want the status field told %q", tt.name, tt.err, tt.want)
		}
	}
}

// fieldsOf returns the fields an EINVALID error names, or nil for nil.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *portail.Error
	if !errors.As(err, &e) || e.Code != portail.EINVALID {
		t.Fatalf("err %#v, want EINVALID", err)
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return out
}

// TestHistoryPage: a page of 1 to 200 changes, 0 for the default size;
// the cursor is left to the storage.
func TestHistoryPage(t *testing.T) {
	for _, tt := range []struct {
		page portail.HistoryPage
		size int
		err  string
	}{
		{portail.HistoryPage{}, portail.DefaultPageSize, ""},
		{portail.HistoryPage{Limit: 1}, 1, ""},
		{portail.HistoryPage{Limit: portail.MaxPageSize, Cursor: "not ours to read"}, portail.MaxPageSize, ""},
		{portail.HistoryPage{Limit: -1}, 0, "limit: Use a limit between 1 and 200."},
		{portail.HistoryPage{Limit: portail.MaxPageSize + 1}, 0, "limit: Use a limit between 1 and 200."},
	} {
		got := strings.Join(fieldsOf(t, tt.page.Validate()), "; ")
		if got != tt.err {
			t.Errorf("%+v: %q, want %q", tt.page, got, tt.err)
		}
		if tt.err == "" && tt.page.Size() != tt.size {
			t.Errorf("%+v: size %d, want %d", tt.page, tt.page.Size(), tt.size)
		}
	}
}

// TestReportRange: the bounds not asked are completed from now (the end
// of today in UTC, 30 days before the end), everything is in UTC, and a
// range must end after it starts and span at most 366 days.
func TestReportRange(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, paris) // 22:30 UTC
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	at := func(t time.Time) *time.Time { return &t }
	for _, tt := range []struct {
		name     string
		from, to *time.Time
		want     portail.ReportRange
	}{
		{"neither", nil, nil, portail.ReportRange{From: day(2, 9), To: day(3, 11)}},
		{"only the start", at(day(1, 1)), nil, portail.ReportRange{From: day(1, 1), To: day(3, 11)}},
		{"only the end", nil, at(day(2, 1)), portail.ReportRange{From: day(1, 2), To: day(2, 1)}},
		{"both, in another zone", at(time.Date(2026, 1, 1, 1, 0, 0, 0, paris)), at(time.Date(2026, 1, 2, 1, 0, 0, 0, paris)),
			portail.ReportRange{From: day(1, 1), To: day(1, 2)}},
	} {
		got := portail.NewReportRange(tt.from, tt.to, now)
		if !got.From.Equal(tt.want.From) || !got.To.Equal(tt.want.To) || got.From.Location() != time.UTC || got.To.Location() != time.UTC {
			t.Errorf("%s: %v – %v, want %v – %v in UTC", tt.name, got.From, got.To, tt.want.From, tt.want.To)
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	for _, tt := range []struct {
		name string
		r    portail.ReportRange
		err  string
	}{
		{"one day", portail.ReportRange{From: day(1, 1), To: day(1, 2)}, ""},
		{"366 days", portail.ReportRange{From: day(1, 1), To: day(1, 1).AddDate(0, 0, portail.MaxReportDays)}, ""},
		{"366 days and a second", portail.ReportRange{From: day(1, 1), To: day(1, 1).AddDate(0, 0, portail.MaxReportDays).Add(time.Second)},
			"from: Ask for at most 366 days at a time."},
		{"empty", portail.ReportRange{From: day(1, 1), To: day(1, 1)}, "to: The end of the range must come after its start."},
		{"backwards", portail.ReportRange{From: day(1, 2), To: day(1, 1)}, "to: The end of the range must come after its start."},
	} {
		if got := strings.Join(fieldsOf(t, tt.r.Validate()), "; "); got != tt.err {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.err)
		}
	}
}
