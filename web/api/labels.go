package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"portail"
	"portail/web/request"
)

type labelJSON struct {
	ID             int64           `json:"id"`
	TrackingNumber string          `json:"tracking_number"`
	Status         string          `json:"status"`
	DepartmentID   int64           `json:"department_id"`
	CreatorID      int64           `json:"creator_id"`
	CreatorName    string          `json:"creator_name"`
	Sender         portail.Address `json:"sender"`
	Recipient      portail.Address `json:"recipient"`
	WeightGrams    int             `json:"weight_grams"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
}

func toLabelJSON(l *portail.Label) labelJSON {
	return labelJSON{ID: l.ID, TrackingNumber: l.TrackingNumber, Status: string(l.Status), DepartmentID: l.DepartmentID,
		CreatorID: l.CreatorID, CreatorName: l.CreatorName.String(), Sender: l.Sender, Recipient: l.Recipient, WeightGrams: l.WeightGrams,
		CreatedAt: l.CreatedAt, UpdatedAt: l.UpdatedAt}
}

// labelCall logs every call of the label API as a label_request with its
// start and end (L1), whatever it answered.
func (s *Handler) labelCall(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, me *portail.User) error {
		started := time.Now().UTC()
		sw := &request.StatusWriter{ResponseWriter: w}
		// The answer is written here, problem or not, so that the status
		// logged is the one sent.
		if err := h(sw, r, me); err != nil {
			s.error(sw, r, err)
		}
		ended := time.Now().UTC()
		c := portail.CallerFrom(r.Context())
		// The call happened even if the client has gone since: log it.
		err := s.Activity.RecordActivity(context.WithoutCancel(r.Context()), portail.Activity{AccountID: c.Actor.AccountID, UserID: me.ID, ActorID: me.ID,
			Type: portail.ActivityLabelRequest, Detail: r.Method + " " + r.URL.Path + " status=" + strconv.Itoa(sw.Status),
			IP: c.IP, UserAgent: c.UserAgent, StartedAt: &started, EndedAt: &ended})
		if err != nil {
			s.site.Logger().ErrorContext(r.Context(), "label request not logged", "err", err)
		}
		return nil
	}
}

func (s *Handler) createLabel(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	var req struct {
		DepartmentID int64           `json:"department_id"`
		Sender       portail.Address `json:"sender"`
		Recipient    portail.Address `json:"recipient"`
		WeightGrams  int             `json:"weight_grams"`
	}
	if err := readJSON(w, r, &req); err != nil {
		return err
	}
	l, err := s.Labels.CreateLabel(r.Context(), portail.LabelCreate{DepartmentID: req.DepartmentID, Sender: req.Sender,
		Recipient: req.Recipient, WeightGrams: req.WeightGrams, Language: me.Language})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/labels/"+strconv.FormatInt(l.ID, 10))
	return writeJSON(w, http.StatusCreated, toLabelJSON(l))
}

func (s *Handler) listLabels(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.LabelFilter(r.URL.Query())
	if err != nil {
		return err
	}
	labels, next, err := s.Labels.ListLabels(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]labelJSON, len(labels))
	for i, l := range labels {
		items[i] = toLabelJSON(l)
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Handler) getLabel(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	l, err := s.Labels.FindLabel(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toLabelJSON(l))
}

// labelPDF sends the label as an attachment, or with ?inline=true for the
// browser to show it (the label page's "Open").
func (s *Handler) labelPDF(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	var inline bool
	switch r.URL.Query().Get("inline") {
	case "", "false":
	case "true":
		inline = true
	default:
		var v portail.Validation
		v.Add("inline", "Use true or false.")
		return v.Err()
	}
	l, file, err := s.Labels.OpenLabelPDF(r.Context(), id)
	if err != nil {
		return err
	}
	defer file.Close()
	servePDF(w, r, "label-"+l.TrackingNumber+".pdf", l.CreatedAt, file, inline)
	return nil
}

func (s *Handler) labelHistory(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return s.history(w, r, s.Labels.LabelHistory)
}
