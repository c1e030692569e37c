package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"portail"
)

// DefaultMaxUpload is the size limit of an uploaded document (D1) when
// the server is given none.
const DefaultMaxUpload = 20 << 20

// multipartSlack is the room left beside the file for the form's other
// parts and its boundaries.
const multipartSlack = 64 << 10

type documentJSON struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	DepartmentID int64     `json:"department_id"`
	Module       string    `json:"module"`
	SenderID     int64     `json:"sender_id"`
	Status       string    `json:"status"`
	Size         int64     `json:"size"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toDocumentJSON(d *portail.Document) documentJSON {
	return documentJSON{ID: d.ID, Name: d.Name, DepartmentID: d.DepartmentID, Module: d.Module.String(), SenderID: d.SenderID,
		Status: string(d.Status), Size: d.Size, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

type changeJSON struct {
	At      time.Time `json:"at"`
	ActorID *int64    `json:"actor_id"`
	Change  string    `json:"change"`
	From    string    `json:"from"`
	To      string    `json:"to"`
}

func toChangesJSON(cs []*portail.Change) []changeJSON {
	out := make([]changeJSON, len(cs))
	for i, c := range cs {
		out[i] = changeJSON{At: c.At, ActorID: optID(c.ActorID), Change: c.Change, From: c.From, To: c.To}
	}
	return out
}

func (s *Server) maxUpload() int64 {
	if s.MaxUpload > 0 {
		return s.MaxUpload
	}
	return DefaultMaxUpload
}

func (s *Server) errTooLarge() error {
	msg := fmt.Sprintf("The file is larger than the limit of %s.", formatBytes(s.maxUpload()))
	return &portail.Error{Code: portail.ETOOLARGE, Message: msg, Fields: []portail.FieldError{{Field: "file", Message: msg}}}
}

// formatBytes writes a size the way people read it: 20 MiB, 512 KiB.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

func (s *Server) apiSendDocument(w http.ResponseWriter, r *http.Request, me *portail.User) {
	c, file, err := s.readUpload(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer file.Close()
	d, err := s.Documents.SendDocument(r.Context(), c, file)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/documents/"+strconv.FormatInt(d.ID, 10))
	writeJSON(w, http.StatusCreated, toDocumentJSON(d))
}

// readUpload reads a document upload, for the API and the pages alike:
// the multipart parts file, department_id and module. The file may come
// before or after the other parts, so the form is parsed whole (files past
// 1 MiB spooled to a temporary file), all of it under the size limit. The
// document's fields are left to the service to validate; closing the file
// also removes the temporary files. EINVALID, ETOOLARGE.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (portail.DocumentCreate, io.ReadCloser, error) {
	var c portail.DocumentCreate
	limit := s.maxUpload() + multipartSlack
	if r.ContentLength > limit {
		return c, nil, s.errTooLarge()
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return c, nil, s.errTooLarge()
		}
		return c, nil, portail.Errorf(portail.EINVALID, "Send multipart/form-data with the parts file, department_id and module.")
	}
	var v portail.Validation
	c.DepartmentID = queryInt(r.FormValue("department_id"), "department_id", &v)
	c.Module, _ = portail.ParseModule(r.FormValue("module")) // an unknown module fails the service's validation
	file, header, err := r.FormFile("file")
	if err != nil {
		v.Add("file", "Attach the PDF file.")
	} else if header.Size > s.maxUpload() {
		file.Close()
		r.MultipartForm.RemoveAll()
		return c, nil, s.errTooLarge()
	}
	if err := v.Err(); err != nil {
		if file != nil {
			file.Close()
		}
		r.MultipartForm.RemoveAll()
		return c, nil, err
	}
	c.Name = header.Filename
	return c, uploadFile{file, r.MultipartForm}, nil
}

// uploadFile is an uploaded file whose Close also removes the form's
// temporary files.
type uploadFile struct {
	multipart.File
	form *multipart.Form
}

func (f uploadFile) Close() error { return errors.Join(f.File.Close(), f.form.RemoveAll()) }

func (s *Server) apiListDocuments(w http.ResponseWriter, r *http.Request, me *portail.User) {
	q := r.URL.Query()
	var v portail.Validation
	f := portail.DocumentFilter{Status: portail.DocumentStatus(q.Get("status")), Cursor: q.Get("cursor")}
	f.DepartmentID = queryInt(q.Get("department_id"), "department_id", &v)
	f.Limit = int(queryInt(q.Get("limit"), "limit", &v))
	f.From = parseTime(q.Get("from"), "from", false, &v)
	f.To = parseTime(q.Get("to"), "to", true, &v)
	if name := q.Get("module"); name != "" {
		if m, ok := portail.ParseModule(name); ok {
			f.Module = m
		} else {
			v.Add("module", "Use mail or classic.")
		}
	}
	if err := mergeValidation(v.Err(), f.Validate()); err != nil {
		s.apiError(w, r, err)
		return
	}
	docs, next, err := s.Documents.ListDocuments(r.Context(), f)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items := make([]documentJSON, len(docs))
	for i, d := range docs {
		items[i] = toDocumentJSON(d)
	}
	writeJSON(w, http.StatusOK, newList(items, next))
}

func (s *Server) apiGetDocument(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, err := s.Documents.FindDocument(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toDocumentJSON(d))
}

func (s *Server) apiDocumentFile(w http.ResponseWriter, r *http.Request, me *portail.User) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	d, file, err := s.Documents.OpenDocument(r.Context(), id)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer file.Close()
	servePDF(w, r, d.Name, d.UpdatedAt, file)
}

// servePDF sends a stored PDF as an attachment; ServeContent answers
// ranges and conditional requests.
func servePDF(w http.ResponseWriter, r *http.Request, name string, modified time.Time, file io.ReadSeeker) {
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", contentDisposition(name))
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

func (s *Server) apiDocumentHistory(w http.ResponseWriter, r *http.Request, me *portail.User) {
	s.history(w, r, s.Documents.DocumentHistory)
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, list func(ctx context.Context, id int64, limit int, cursor string) ([]*portail.Change, string, error)) {
	id, err := pathID(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var v portail.Validation
	limit := int(queryInt(r.URL.Query().Get("limit"), "limit", &v))
	if err := v.Err(); err != nil {
		s.apiError(w, r, err)
		return
	}
	changes, next, err := list(r.Context(), id, limit, r.URL.Query().Get("cursor"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(toChangesJSON(changes), next))
}
