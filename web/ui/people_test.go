package ui_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"portail/web/internal/webtest"
)

var form = http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

// TestDepartmentsPageCountsAndRenamesOnDemand: the departments page shows
// how many users each department has, and a « Renommer » link per row
// rather than an input on every row; the link opens that row's form
// (without JavaScript), and a refused rename shows it again with its
// message and the typed value.
func TestDepartmentsPageCountsAndRenamesOnDemand(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		d1, d2 := s.IDs["D1"], s.IDs["D2"]
		w := s.Do("GET", "/departments", "lang=fr", nil, nil, s.Admin)
		s.CheckServed(t, "departments", w)
		body := w.Body.String()
		if strings.Contains(body, `id="name-`) {
			t.Errorf("%s: a rename input is shown before it is asked for", s.Dialect)
		}
		for id, n := range map[int64]int{d1: 1, d2: 0} {
			row := regexp.MustCompile(fmt.Sprintf(`(?s)<tr id="department-%d".*?</tr>`, id)).FindString(body)
			if !regexp.MustCompile(fmt.Sprintf(`class="users-count"><a href="/users\?department_id=%d">%d</a>`, id, n)).MatchString(row) {
				t.Errorf("%s: department %d: no count of %d users in %q", s.Dialect, id, n, row)
			}
			if !strings.Contains(row, fmt.Sprintf(`href="/departments?rename=%d#department-%d">Renommer`, id, id)) {
				t.Errorf("%s: department %d: no « Renommer » link in %q", s.Dialect, id, row)
			}
		}
		w = s.Do("GET", "/departments", fmt.Sprintf("lang=fr&rename=%d", d2), nil, nil, s.Admin)
		body = w.Body.String()
		if !strings.Contains(body, fmt.Sprintf(`id="name-%d"`, d2)) || strings.Contains(body, fmt.Sprintf(`id="name-%d"`, d1)) {
			t.Errorf("%s: ?rename=%d does not open that row's form alone", s.Dialect, d2)
		}
		w = s.Do("POST", fmt.Sprintf("/departments/%d", d2), "lang=fr", strings.NewReader("name=d1"), form, s.Admin)
		body = w.Body.String()
		if w.Code < 400 || !strings.Contains(body, fmt.Sprintf(`id="name-%d-err"`, d2)) || !strings.Contains(body, `value="d1"`) {
			t.Errorf("%s: a refused rename: %d, form not shown again with its message and value", s.Dialect, w.Code)
		}
		w = s.Do("POST", fmt.Sprintf("/departments/%d", d2), "", strings.NewReader("name=Compta"), form, s.Admin)
		if w.Code != http.StatusSeeOther {
			t.Errorf("%s: rename: %d", s.Dialect, w.Code)
		}
	}
}

// TestUserEditLinksActivity: the edit page of a user links to the
// activity log filtered by that user.
func TestUserEditLinksActivity(t *testing.T) {
	for _, s := range webtest.NewServers(t) {
		op := s.IDs["op1"]
		w := s.Do("GET", fmt.Sprintf("/users/%d", op), "lang=fr", nil, nil, s.Admin)
		s.CheckServed(t, "user edit", w)
		if !strings.Contains(w.Body.String(), fmt.Sprintf(`href="/activity?user_id=%d">Voir l&#39;activité de cet utilisateur`, op)) {
			t.Errorf("%s: no link to the user's activity", s.Dialect)
		}
	}
}
