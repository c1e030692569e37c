package api

import (
	"net/http"
	"time"

	"portail"
	"portail/web/request"
)

type activityJSON struct {
	ID        int64      `json:"id"`
	At        time.Time  `json:"at"`
	UserID    *int64     `json:"user_id"`
	Username  string     `json:"username,omitempty"`
	ActorID   *int64     `json:"actor_id"`
	Actor     actorJSON  `json:"actor"`
	Type      string     `json:"type"`
	Detail    string     `json:"detail"`
	IP        string     `json:"ip"`
	UserAgent string     `json:"user_agent"`
	StartedAt *time.Time `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
}

// actorJSON is who acted on an activity entry or a history line (SPEC
// §9 Wave-2 details 1): id, name and username for a user, null otherwise.
type actorJSON struct {
	Kind     string  `json:"kind"`
	ID       *int64  `json:"id"`
	Name     *string `json:"name"`
	Username *string `json:"username"`
}

func toActorJSON(id int64, n portail.UserName) actorJSON {
	a := actorJSON{Kind: string(portail.ActorKindOf(id)), ID: optID(id)}
	if id != 0 {
		a.Name, a.Username = optString(n.String()), optString(n.Username)
	}
	return a
}

// changeActor is who made a history line: a print partner by its name.
func changeActor(c *portail.Change) actorJSON {
	if c.ActorKind() == portail.ActorPartner {
		return actorJSON{Kind: string(portail.ActorPartner), Name: optString(c.Partner)}
	}
	return toActorJSON(c.ActorID, c.ActorName)
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// activityActor is who made an entry: a SCIM token by its name.
func activityActor(e *portail.Activity) actorJSON {
	if e.ActorKind() == portail.ActorSCIM {
		return actorJSON{Kind: string(portail.ActorSCIM), Name: optString(e.SCIMToken)}
	}
	return toActorJSON(e.ActorID, e.ActorName)
}

func toActivityJSON(e *portail.Activity) activityJSON {
	return activityJSON{ID: e.ID, At: e.At, UserID: optID(e.UserID), Username: e.Username, ActorID: optID(e.ActorID),
		Actor: activityActor(e), Type: string(e.Type), Detail: e.Detail, IP: e.IP, UserAgent: e.UserAgent, StartedAt: e.StartedAt, EndedAt: e.EndedAt}
}

func (s *Handler) listActivity(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.ActivityFilter(r.URL.Query())
	if err != nil {
		return err
	}
	entries, next, err := s.Activity.ListActivity(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]activityJSON, len(entries))
	for i, e := range entries {
		items[i] = toActivityJSON(e)
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

// activityCSV streams the log as CSV (RFC 4180), page by page, flushing
// as it goes: an export of months of entries never sits in memory.
func (s *Handler) activityCSV(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.ActivityFilter(r.URL.Query())
	format, ferr := csvFormatOf(r, me)
	if err = withFormatError(err, ferr); err != nil {
		return err
	}
	// Ask for the first page, with the whole filter (its cursor too),
	// before writing anything, so that a refusal is still a proper problem
	// response and not a 200 cut short.
	probe := f
	probe.Limit = 1
	if _, _, err := s.Activity.ListActivity(r.Context(), probe); err != nil {
		return err
	}
	writeActivityCSV(w, format, func(fn func(*portail.Activity) error) error {
		return s.Activity.EachActivity(r.Context(), f, fn)
	}, func(err error) {
		s.site.Logger().ErrorContext(r.Context(), "activity export", "err", err)
	})
	return nil
}
