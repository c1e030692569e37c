package request

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

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
// bytes (MaxUpload). The file may come before or after the other parts,
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

// uploadFile is an uploaded file whose Close also removes the form's
// temporary files.
type uploadFile struct {
	multipart.File
	form *multipart.Form
}

func (f uploadFile) Close() error { return errors.Join(f.File.Close(), f.form.RemoveAll()) }
