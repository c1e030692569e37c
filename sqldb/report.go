package sqldb

import (
	"context"
	"strconv"
	"time"

	"portail"
)

// ReportService implements portail.ReportService.
type ReportService struct{ db *DB }

// NewReportService returns the reports of db.
func NewReportService(db *DB) *ReportService { return &ReportService{db} }

var _ portail.ReportService = (*ReportService)(nil)

const microsPerDay = 24 * 60 * 60 * 1_000_000

// Summary counts the documents and labels created in [from, to) that the
// caller may see, by kind, day (UTC), department, module and status: the
// same scopes as the lists, so a report never counts what its reader could
// not open. EINVALID, EFORBIDDEN.
func (s *ReportService) Summary(ctx context.Context, from, to time.Time) ([]portail.ReportRow, error) {
	if err := (portail.ReportRange{From: from, To: to}).Validate(); err != nil {
		return nil, err
	}
	a := portail.CallerFrom(ctx).Actor
	docScope, docArgs := visibleClause(a, portail.ActViewReports, portail.DocumentModules, scopeColumns{
		module: "t.module", department: "t.department_id", owner: "t.sender_id"})
	labelScope, labelArgs := visibleClause(a, portail.ActViewReports, []portail.Module{portail.ModuleParcels}, scopeColumns{
		department: "t.department_id", owner: "t.creator_id"})
	if docScope == "" && labelScope == "" {
		return nil, portail.ErrForbidden()
	}
	var out []portail.ReportRow
	err := s.db.readTx(ctx, func(tx *Tx) error {
		for _, q := range []struct {
			kind   portail.SubjectKind
			table  string
			module string
			scope  string
			args   []any
		}{
			{portail.SubjectDocument, "documents", "t.module", docScope, docArgs},
			{portail.SubjectLabel, "labels", "'parcels'", labelScope, labelArgs},
		} {
			if q.scope == "" {
				continue
			}
			args := append([]any{a.AccountID, micros(from), micros(to)}, q.args...)
			rows, err := tx.query(`SELECT t.created_at / `+strconv.Itoa(microsPerDay)+` AS day_number, t.department_id, d.name, `+q.module+` AS module_name,
				t.status, COUNT(*) FROM `+q.table+` t JOIN departments d ON d.id = t.department_id
				WHERE t.account_id = ? AND t.created_at >= ? AND t.created_at < ? AND `+q.scope+`
				GROUP BY day_number, t.department_id, d.name, module_name, t.status
				ORDER BY day_number, d.name, t.department_id, module_name, t.status`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				r := portail.ReportRow{Kind: q.kind}
				var day int64
				var module string
				if err := rows.Scan(&day, &r.DepartmentID, &r.Department, &module, &r.Status, &r.Count); err != nil {
					rows.Close()
					return err
				}
				r.Day = fromMicros(day * microsPerDay)
				r.Module, _ = portail.ParseModule(module)
				out = append(out, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
