package api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portail"
	"portail/web/request"
)

// partnerFunc is a handler for a print partner signed in with its key.
type partnerFunc func(w http.ResponseWriter, r *http.Request, p *portail.Partner) error

// partnerAuthed takes only Authorization: Bearer ptp_… (SPEC §9 Letters):
// a user's key or session cookie signs nobody in here, as a partner key
// signs nobody in on the users' routes (its prefix is not ptl_).
func (s *Handler) partnerAuthed(h partnerFunc) http.HandlerFunc {
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return portail.Errorf(portail.EUNAUTHENTICATED, "Use Authorization: Bearer <partner key>.")
		}
		if s.Partners == nil {
			return portail.Errorf(portail.EUNAUTHENTICATED, "No print partner signs in on this server.")
		}
		p, err := s.Partners.Authenticate(r.Context(), strings.TrimSpace(key))
		if err != nil {
			return err
		}
		return h(w, r, p)
	})
}

type claimJSON struct {
	ID          int64              `json:"id"`
	AccountID   int64              `json:"account_id"`
	Pages       int                `json:"pages"`
	Sheets      int                `json:"sheets"`
	Options     optionsJSON        `json:"options"`
	Recipient   *portail.Recipient `json:"recipient"`
	AddressPage bool               `json:"address_page"`
	PriceCents  *int64             `json:"price_cents"`
	FileURL     string             `json:"file_url"`
}

// claimDocuments is POST /partner/claims {limit}: limit 1–100, default 10.
func (s *Handler) claimDocuments(w http.ResponseWriter, r *http.Request, p *portail.Partner) error {
	var in struct {
		Limit *int `json:"limit"`
	}
	// The body may be left out: a claim of the default limit.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return portail.Errorf(portail.EINVALID, "The request body is too large or unreadable.")
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeJSON(body, &in); err != nil {
			return err
		}
	}
	limit := 10
	if in.Limit != nil {
		limit = *in.Limit
	}
	docs, err := s.Partners.Claim(r.Context(), p, limit)
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(s.site.BaseURL(), "/")
	items := make([]claimJSON, len(docs))
	for i, d := range docs {
		items[i] = claimJSON{ID: d.ID, AccountID: d.AccountID, Pages: d.Pages, Sheets: d.Sheets, Options: toOptionsJSON(d.Options),
			Recipient: d.Recipient, AddressPage: d.AddressPage(),
			FileURL: base + "/api/v1/partner/documents/" + strconv.FormatInt(d.ID, 10) + "/file"}
		if d.Priced {
			items[i].PriceCents = &d.PriceCents
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// partnerFile is GET /partner/documents/{id}/file: the print-ready PDF.
func (s *Handler) partnerFile(w http.ResponseWriter, r *http.Request, p *portail.Partner) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	pdf, err := s.Partners.File(r.Context(), p, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Write(pdf)
	return nil
}

// partnerEvent is POST /partner/documents/{id}/events → 204.
func (s *Handler) partnerEvent(w http.ResponseWriter, r *http.Request, p *portail.Partner) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	var in struct {
		Status         string     `json:"status"`
		At             *time.Time `json:"at"`
		Detail         string     `json:"detail"`
		TrackingNumber string     `json:"tracking_number"`
	}
	if err := readJSON(w, r, &in); err != nil {
		return err
	}
	e := portail.PartnerEvent{Status: portail.DocumentStatus(in.Status), At: in.At, Detail: in.Detail, TrackingNumber: in.TrackingNumber}
	if err := s.Partners.Event(r.Context(), p, id, e); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// partnerRelease is POST /partner/documents/{id}/release → 204.
func (s *Handler) partnerRelease(w http.ResponseWriter, r *http.Request, p *portail.Partner) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	if err := s.Partners.Release(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
