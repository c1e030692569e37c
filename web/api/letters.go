package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"portail"
	"portail/web/request"
)

// The letter routes of SPEC §9 Letters and Wave-2 details 4 and 5.

type optionsJSON struct {
	Color      bool   `json:"color"`
	Duplex     bool   `json:"duplex"`
	Postage    string `json:"postage"`
	Registered bool   `json:"registered"`
	Window     string `json:"window"`
}

func toOptionsJSON(o portail.LetterOptions) optionsJSON {
	return optionsJSON{Color: o.Color, Duplex: o.Duplex, Postage: string(o.Postage), Registered: o.Registered, Window: string(o.Window)}
}

// problemJSON is a preflight problem: page null for the whole document,
// the message in the caller's language.
type problemJSON struct {
	Code    string `json:"code"`
	Page    *int   `json:"page"`
	Message string `json:"message"`
}

func toProblemsJSON(ps []portail.Problem, lang string) []problemJSON {
	out := make([]problemJSON, len(ps))
	for i, p := range ps {
		out[i] = problemJSON{Code: string(p.Code), Message: p.Message(lang)}
		if p.Page > 0 {
			page := p.Page
			out[i].Page = &page
		}
	}
	return out
}

type quoteJSON struct {
	Pages       int                `json:"pages"`
	Sheets      int                `json:"sheets"`
	Options     optionsJSON        `json:"options"`
	Recipient   *portail.Recipient `json:"recipient"`
	AddressPage bool               `json:"address_page"`
	PriceCents  *int64             `json:"price_cents"`
	Currency    string             `json:"currency"`
	Problems    []problemJSON      `json:"problems"`
}

func toQuoteJSON(q *portail.LetterQuote, lang string) quoteJSON {
	out := quoteJSON{Pages: q.Pages, Sheets: q.Sheets, Options: toOptionsJSON(q.Options), Recipient: q.Recipient,
		AddressPage: q.AddressPage, Currency: q.Currency, Problems: toProblemsJSON(q.Problems, lang)}
	if q.Priced {
		out.PriceCents = &q.PriceCents
	}
	return out
}

func (s *Handler) quoteDocument(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	c, file, err := request.Upload(w, r, s.site.MaxUpload())
	if err != nil {
		return err
	}
	defer file.Close()
	q, err := s.Documents.QuoteDocument(r.Context(), c, file)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toQuoteJSON(q, me.Language))
}

// documentChangeJSON is a PATCH of a letter; recipient and send_at are
// kept raw to tell null (remove, clear) from absent.
type documentChangeJSON struct {
	Options   *request.LetterOptions `json:"options"`
	Recipient json.RawMessage        `json:"recipient"`
	SendAt    json.RawMessage        `json:"send_at"`
}

// readDocumentChange reads a PATCH or quote body; quote takes no send_at.
func readDocumentChange(w http.ResponseWriter, r *http.Request, withSendAt bool) (portail.DocumentChange, error) {
	var c portail.DocumentChange
	var body documentChangeJSON
	if err := readJSON(w, r, &body); err != nil {
		return c, err
	}
	var v portail.Validation
	if body.Options != nil {
		c.Options = body.Options.Patch(&v, "options")
	}
	if body.Recipient != nil {
		c.SetRecipient = true
		if string(body.Recipient) != "null" {
			var rc portail.Recipient
			if request.DecodeStrict(body.Recipient, &rc, "recipient", &v) {
				c.Recipient = &rc
			}
		}
	}
	if body.SendAt != nil {
		if !withSendAt {
			v.Add("send_at", "Unknown field.")
		} else if string(body.SendAt) != "null" {
			var s string
			if err := json.Unmarshal(body.SendAt, &s); err != nil {
				v.Add("send_at", "Use an RFC 3339 time, like 2026-01-31T08:00:00Z, or null.")
			} else if t := request.SendAt(s, &v); t != nil {
				c.SetSendAt, c.SendAt = true, t
			}
		} else {
			c.SetSendAt = true
		}
	}
	return c, v.Err()
}

func (s *Handler) changeDocument(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	c, err := readDocumentChange(w, r, true)
	if err != nil {
		return err
	}
	d, err := s.Documents.ChangeDocument(r.Context(), id, c)
	err = portail.InLanguage(err, me.Language)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDocumentJSON(d, me.Language))
}

func (s *Handler) quoteChange(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	c, err := readDocumentChange(w, r, false)
	if err != nil {
		return err
	}
	q, err := s.Documents.QuoteChange(r.Context(), id, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toQuoteJSON(q, me.Language))
}

func (s *Handler) replaceDocumentFile(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	name, file, err := request.ReplacementFile(w, r, s.site.MaxUpload())
	if err != nil {
		return err
	}
	defer file.Close()
	d, err := s.Documents.ReplaceDocumentFile(r.Context(), id, name, file)
	err = portail.InLanguage(err, me.Language)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDocumentJSON(d, me.Language))
}

func (s *Handler) cancelDocument(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	d, err := s.Documents.CancelDocument(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDocumentJSON(d, me.Language))
}

// documentProof answers the PNG proof of ?page=N (1 by default; 0 the
// address page). A proof changes only with its letter, which a later
// request sees through its new version; the browser keeps it privately
// and asks again each time.
func (s *Handler) documentProof(w http.ResponseWriter, r *http.Request, me *portail.User) error {
	id, err := request.PathID(r)
	if err != nil {
		return err
	}
	page := 1
	if q := r.URL.Query().Get("page"); q != "" || r.URL.Query().Has("page") {
		n, err := strconv.Atoi(q)
		if err != nil || n < 0 {
			return &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
				Fields: []portail.FieldError{{Field: "page", Message: "Use a page number: 1 for the first page, 0 for the address page."}}}
		}
		page = n
	}
	png, err := s.Documents.DocumentProof(r.Context(), id, page)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(png)))
	w.WriteHeader(http.StatusOK)
	w.Write(png)
	return nil
}
