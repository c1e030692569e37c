package request

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"portail"
)

// DefaultMaxUpload is the size limit of an uploaded document (D1) when
// the server is given none.
const DefaultMaxUpload = 20 << 20

// multipartSlack is the room left beside the file for the form's other
// parts and its boundaries.
const multipartSlack = 64 << 10

// MaxUpload is the size limit in force: max, or DefaultMaxUpload.
func MaxUpload(max int64) int64 {
	if max > 0 {
		return max
	}
	return DefaultMaxUpload
}

func errTooLarge(max int64) error {
	msg := fmt.Sprintf("The file is larger than the limit of %s.", FormatBytes(max))
	return &portail.Error{Code: portail.ETOOLARGE, Message: msg, Fields: []portail.FieldError{{Field: "file", Message: msg}}}
}

// FormatBytes writes a size the way people read it: 20 MiB, 512 KiB.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Upload reads a document upload, for the API and the pages alike: the
// multipart parts file, department_id and module, the file at most max
// bytes (MaxUpload), and the letter's optional parts (Letter). The file may come before or after the other parts,
// so the form is parsed whole (files past 1 MiB spooled to a temporary
// file), all of it under the size limit. The document's fields are left
// to the service to validate; closing the file also removes the
// temporary files. EINVALID, ETOOLARGE.
func Upload(w http.ResponseWriter, r *http.Request, max int64) (portail.DocumentCreate, io.ReadCloser, error) {
	var c portail.DocumentCreate
	max = MaxUpload(max)
	limit := max + multipartSlack
	if r.ContentLength > limit {
		return c, nil, errTooLarge(max)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return c, nil, errTooLarge(max)
		}
		return c, nil, portail.Errorf(portail.EINVALID, "Send multipart/form-data with the parts file, department_id and module.")
	}
	var v portail.Validation
	c.DepartmentID = Int(r.FormValue("department_id"), "department_id", &v)
	c.Module, _ = portail.ParseModule(r.FormValue("module")) // an unknown module fails the service's validation
	Letter(r.MultipartForm.Value, &c, &v)
	file, header, err := r.FormFile("file")
	if err != nil {
		v.Add("file", "Attach the PDF file.")
	} else if header.Size > max {
		file.Close()
		r.MultipartForm.RemoveAll()
		return c, nil, errTooLarge(max)
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

// ReplacementFile reads the multipart upload of a letter's new file (PUT
// /documents/{id}/file): the part file, at most max bytes. The caller
// closes the file, which removes the temporary files. EINVALID,
// ETOOLARGE.
func ReplacementFile(w http.ResponseWriter, r *http.Request, max int64) (string, io.ReadCloser, error) {
	max = MaxUpload(max)
	limit := max + multipartSlack
	if r.ContentLength > limit {
		return "", nil, errTooLarge(max)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", nil, errTooLarge(max)
		}
		return "", nil, portail.Errorf(portail.EINVALID, "Send multipart/form-data with the part file.")
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		r.MultipartForm.RemoveAll()
		return "", nil, &portail.Error{Code: portail.EINVALID, Message: "Some fields are invalid.",
			Fields: []portail.FieldError{{Field: "file", Message: "Attach the PDF file."}}}
	}
	if header.Size > max {
		file.Close()
		r.MultipartForm.RemoveAll()
		return "", nil, errTooLarge(max)
	}
	return header.Filename, uploadFile{file, r.MultipartForm}, nil
}

// Letter reads the letter's optional parts of an upload into c: the
// options as one JSON part options, then the parts color, duplex,
// registered (true or false), postage and window over it; send_at (RFC
// 3339) and recipient (JSON). What cannot be read is a field error named
// as sent; the values themselves are the service's to judge.
func Letter(form map[string][]string, c *portail.DocumentCreate, v *portail.Validation) {
	get := func(name string) (string, bool) {
		vs, ok := form[name]
		if !ok || len(vs) == 0 {
			return "", false
		}
		return vs[0], true
	}
	if raw, ok := get("options"); ok && strings.TrimSpace(raw) != "" {
		var o LetterOptions
		if DecodeStrict([]byte(raw), &o, "options", v) {
			c.Options = o.Patch(v, "options")
		}
	}
	for _, name := range []string{"color", "duplex", "registered"} {
		s, ok := get(name)
		if !ok || s == "" {
			continue
		}
		b, err := strconv.ParseBool(s)
		if err != nil || (s != "true" && s != "false") {
			v.Add(name, "Use true or false.")
			continue
		}
		switch name {
		case "color":
			c.Options.Color = &b
		case "duplex":
			c.Options.Duplex = &b
		case "registered":
			c.Options.Registered = &b
		}
	}
	if s, ok := get("postage"); ok && s != "" {
		p := portail.Postage(s)
		if !p.Valid() {
			v.Add("postage", "Use prior or non_prior.")
		}
		c.Options.Postage = &p
	}
	if s, ok := get("window"); ok && s != "" {
		w := portail.Window(s)
		if !w.Valid() {
			v.Add("window", "Use right or left.")
		}
		c.Options.Window = &w
	}
	if s, ok := get("send_at"); ok && s != "" {
		c.SendAt = SendAt(s, v)
	}
	if raw, ok := get("recipient"); ok && strings.TrimSpace(raw) != "" && strings.TrimSpace(raw) != "null" {
		var rc portail.Recipient
		if DecodeStrict([]byte(raw), &rc, "recipient", v) {
			c.Recipient = &rc
		}
	}
}

// SendAt reads a letter's chosen start: an RFC 3339 time.
func SendAt(s string, v *portail.Validation) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		v.Add("send_at", "Use an RFC 3339 time, like 2026-01-31T08:00:00Z.")
		return nil
	}
	return &t
}

// LetterOptions are a letter's options as a client sends them: any
// subset (SPEC §9 Letters).
type LetterOptions struct {
	Color      *bool   `json:"color"`
	Duplex     *bool   `json:"duplex"`
	Postage    *string `json:"postage"`
	Registered *bool   `json:"registered"`
	Window     *string `json:"window"`
}

// Patch returns the options as a patch, with a field error under prefix
// for a postage or window that does not exist.
func (o LetterOptions) Patch(v *portail.Validation, prefix string) portail.LetterOptionsPatch {
	p := portail.LetterOptionsPatch{Color: o.Color, Duplex: o.Duplex, Registered: o.Registered}
	if o.Postage != nil {
		postage := portail.Postage(*o.Postage)
		if !postage.Valid() {
			v.Add(prefix+".postage", "Use prior or non_prior.")
		}
		p.Postage = &postage
	}
	if o.Window != nil {
		w := portail.Window(*o.Window)
		if !w.Valid() {
			v.Add(prefix+".window", "Use right or left.")
		}
		p.Window = &w
	}
	return p
}

// unknownField starts encoding/json's error for a member dst lacks.
const unknownField = "json: unknown field "

// DecodeStrict decodes a JSON object into dst, refusing unknown members
// and trailing data; what it cannot read is a field error under field.
// It reports whether dst was read.
func DecodeStrict(data []byte, dst any, field string, v *portail.Validation) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(dst)
	if _, end := dec.Token(); err == nil && end != io.EOF {
		err = errors.New("trailing data")
	}
	if err == nil {
		return true
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		v.Add(field+"."+typeErr.Field, "Expected another type of value.")
	case strings.HasPrefix(err.Error(), unknownField):
		name := strings.Trim(strings.TrimPrefix(err.Error(), unknownField), `"`)
		v.Add(field+"."+name, "Unknown field.")
	default:
		v.Add(field, "Expected a JSON object.")
	}
	return false
}

// uploadFile is an uploaded file whose Close also removes the form's
// temporary files.
type uploadFile struct {
	multipart.File
	form *multipart.Form
}

func (f uploadFile) Close() error { return errors.Join(f.File.Close(), f.form.RemoveAll()) }
