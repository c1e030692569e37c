package api

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/web/request"
)

type documentJSON struct {
	ID             int64              `json:"id"`
	Name           string             `json:"name"`
	DepartmentID   int64              `json:"department_id"`
	Module         string             `json:"module"`
	SenderID       int64              `json:"sender_id"`
	SenderName     string             `json:"sender_name"`
	Status         string             `json:"status"`
	Size           int64              `json:"size"`
	CreatedAt      time.Time          `json:"created_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	Pages          int                `json:"pages"`
	Sheets         int                `json:"sheets"`
	Options        optionsJSON        `json:"options"`
	Recipient      *portail.Recipient `json:"recipient"`
	AddressPage    bool               `json:"address_page"`
	PriceCents     *int64             `json:"price_cents"`
	Currency       string             `json:"currency"`
	Problems       []problemJSON      `json:"problems"`
	CancelUntil    *time.Time         `json:"cancel_until"`
	SendAt         *time.Time         `json:"send_at"`
	TrackingNumber string             `json:"tracking_number"`
	ReturnReason   string             `json:"return_reason"`
	FailureReason  string             `json:"failure_reason"`
}

func toDocumentJSON(d *portail.Document, lang string) documentJSON {
	out := documentJSON{ID: d.ID, Name: d.Name, DepartmentID: d.DepartmentID, Module: d.Module.String(), SenderID: d.SenderID,
		SenderName: d.SenderName.String(),
		Status:     string(d.Status), Size: d.Size, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt,
		Pages: d.Pages, Sheets: d.Sheets, Options: toOptionsJSON(d.Options), Recipient: d.Recipient, AddressPage: d.AddressPage(),
		Currency: d.Currency, Problems: toProblemsJSON(d.Problems, lang), CancelUntil: d.CancelUntil, SendAt: d.Times.SendAt,
		TrackingNumber: d.TrackingNumber, ReturnReason: d.ReturnReason, FailureReason: d.FailureReason}
	if d.Priced {
		out.PriceCents = &d.PriceCents
	}
	return out
}

type changeJSON struct {
	At      time.Time `json:"at"`
	ActorID *int64    `json:"actor_id"`
	Actor   actorJSON `json:"actor"`
	Change  string    `json:"change"`
	From    string    `json:"from"`
	To      string    `json:"to"`
}

func toChangesJSON(cs []*portail.Change) []changeJSON {
	out := make([]changeJSON, len(cs))
	for i, c := range cs {
		out[i] = changeJSON{At: c.At, ActorID: optID(c.ActorID), Actor: changeActor(c), Change: c.Change, From: c.From, To: c.To}
	}
	return out
}

func (s *Handler) sendDocument(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	c, file, err := request.Upload(w, r, s.site.MaxUpload())
	if err != nil {
		return err
	}
	defer file.Close()
	d, err := s.Documents.SendDocument(r.Context(), c, file)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(d.ID, 10))
	return writeJSON(w, http.StatusCreated, toDocumentJSON(d, me.Language))
}

func (s *Handler) listDocuments(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	f, err := request.DocumentFilter(r.URL.Query())
	if err != nil {
		return err
	}
	docs, next, err := s.Documents.ListDocuments(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]documentJSON, len(docs))
	for i, d := range docs {
		items[i] = toDocumentJSON(d, me.Language)
	}
	return writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Handler) getDocument(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	d, err := s.Documents.FindDocument(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDocumentJSON(d, me.Language))
}

func (s *Handler) documentFile(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	d, file, err := s.Documents.OpenDocument(r.Context(), id)
	if err != nil {
		return err
	}
	defer file.Close()
	servePDF(w, r, d.Name, d.UpdatedAt, file, false)
	return nil
}

// servePDF sends a stored PDF as an attachment, or inline for the browser
// to show; ServeContent answers ranges and conditional requests.
func servePDF(w http.ResponseWriter, r *http.Request, name string, modified time.Time, file io.ReadSeeker, inline bool) {
	w.Header().Set("Content-Type", "application/pdf")
	disposition := contentDisposition(name)
	if inline {
		disposition = "inline" + strings.TrimPrefix(disposition, "attachment")
	}
	w.Header().Set("Content-Disposition", disposition)
	w.Header().Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, name, modified, file)
}

// contentDisposition names the attachment, in RFC 6266 form: a plain
// filename for ASCII names, filename* (RFC 5987) for the others.
func contentDisposition(name string) string {
	if v := mime.FormatMediaType("attachment", map[string]string{"filename": name}); v != "" {
		return v
	}
	return "attachment; filename*=UTF-8''" + url.PathEscape(name)
}

func (s *Handler) documentHistory(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	return s.history(w, r, s.Documents.DocumentHistory)
}

func (s *Handler) history(w http.ResponseWriter, r *http.Request, list func(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error)) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	limit, cursor, err := request.Page(r.URL.Query())
	if err != nil {
		return err
	}
	changes, next, err := list(r.Context(), id, limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, newList(toChangesJSON(changes), next))
}
