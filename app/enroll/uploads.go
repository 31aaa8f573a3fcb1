package enroll

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"cohort/app/access"
	"cohort/app/apperr"
	"cohort/app/authz"
	"cohort/app/features"
	"cohort/app/forms"
	"cohort/app/web"
	"cohort/db"
)

// CheckUploadDir makes sure uploaded files can be written to dir, creating
// it if need be, by writing and removing a file there. Start-up calls it:
// an UPLOAD_DIR the server's user cannot write would otherwise show up
// only when a member attaches a file.
func CheckUploadDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return uploadDirProblem(dir, err)
	}
	f, err := os.CreateTemp(dir, ".cohort-write-check-*")
	if err != nil {
		return uploadDirProblem(dir, err)
	}
	name := f.Name()
	_, err = f.Write([]byte("ok"))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if rerr := os.Remove(name); err == nil {
		err = rerr
	}
	if err != nil {
		return uploadDirProblem(dir, err)
	}
	return nil
}

func uploadDirProblem(dir string, err error) error {
	return fmt.Errorf("UPLOAD_DIR %q is not writable by this server's user (uid %d): %w; "+
		"make it a directory this user may write (e.g. chown it), or set UPLOAD_DIR elsewhere", dir, os.Getuid(), err)
}

// receiveFiles stores the step's uploaded files and puts each new upload's
// id into the form values, where the form parser expects it. The type is
// decided from the bytes, not the name or the browser's claim. A refused
// file comes back as an error for its field (the saved file, if any, stays).
func (h *handlers) receiveFiles(c *fiber.Ctx, o *own, st *forms.Step, in map[string][]string) ([]forms.FieldError, error) {
	mf, err := c.MultipartForm()
	if err != nil || mf == nil {
		return nil, nil // not a multipart post: no files
	}
	var refused []forms.FieldError
	for _, f := range st.Fields {
		if f.Type != forms.TypeFile {
			continue
		}
		files := mf.File[f.Key]
		if len(files) == 0 || files[0].Size == 0 {
			continue
		}
		if !o.flag.On(features.Uploads) {
			return nil, apperr.New(apperr.Forbidden, "This program does not accept files.")
		}
		id, msg, err := h.storeFile(c, o, f, files[0])
		var se storageError
		if errors.As(err, &se) {
			// The disk, not the member, failed: say so beside the field and
			// let the step's other answers be saved.
			h.s.Log().Error("storing an uploaded file", "request_id", web.RequestID(c), "field", f.Key, "err", se.err)
			msg, err = "The file could not be stored just now. Your other answers are saved; please try attaching it again later.", nil
		}
		if err != nil {
			return nil, err
		}
		if msg != "" {
			refused = append(refused, forms.FieldError{Field: forms.InputID(f), Message: msg})
			continue
		}
		in[f.Key] = []string{strconv.FormatInt(id, 10)}
	}
	return refused, nil
}

// storageError is a failure to write an upload to UPLOAD_DIR (permissions,
// a full disk), as opposed to the database or the request.
type storageError struct{ err error }

func (e storageError) Error() string { return "upload storage: " + e.err.Error() }
func (e storageError) Unwrap() error { return e.err }

func (h *handlers) storeFile(c *fiber.Ctx, o *own, f *forms.Field, fh *multipart.FileHeader) (int64, string, error) {
	limit := int64(h.s.Config().MaxUploadSize)
	if f.MaxSize > 0 && f.MaxSize < limit {
		limit = f.MaxSize
	}
	if fh.Size > limit {
		return 0, tooLarge(limit), nil
	}
	src, err := fh.Open()
	if err != nil {
		return 0, "", err
	}
	defer src.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, "", err
	}
	ctype := http.DetectContentType(head[:n])
	if i := strings.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	if !f.AcceptsType(ctype) {
		return 0, "That kind of file is not accepted here. Upload a PDF, PNG or JPEG.", nil
	}
	dir := h.s.Config().Uploads()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, "", storageError{err}
	}
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	name := hex.EncodeToString(rnd[:])
	dst, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return 0, "", storageError{err}
	}
	written, err := io.Copy(dst, io.MultiReader(strings.NewReader(string(head[:n])), io.LimitReader(src, limit-int64(n)+1)))
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil || written > limit {
		_ = os.Remove(filepath.Join(dir, name))
		if err != nil {
			return 0, "", storageError{err}
		}
		return 0, tooLarge(limit), nil
	}
	u := &db.Upload{EnrollmentID: o.e.ID, PersonID: o.e.PersonID, FieldKey: f.Key, Filename: cleanName(fh.Filename),
		ContentType: ctype, Size: written, StorageName: name}
	if err := h.s.Store().CreateUpload(c.UserContext(), u); err != nil {
		_ = os.Remove(filepath.Join(dir, name))
		return 0, "", err
	}
	return u.ID, "", nil
}

// tooLarge is the file field's message for a file over limit bytes.
func tooLarge(limit int64) string {
	return "The file is too large: the limit is " + web.SizeLabel(limit) + "."
}

// cleanName keeps a display name for the file without any path.
func cleanName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == "" {
		return "upload"
	}
	if len(name) > 120 {
		name = name[:120]
	}
	return name
}

func (h *handlers) uploadsByField(c *fiber.Ctx, o *own) (map[string]*db.Upload, error) {
	us, err := h.s.Store().UploadsForEnrollment(c.UserContext(), o.e.ID)
	if err != nil {
		return nil, err
	}
	out := map[string]*db.Upload{}
	for _, u := range us {
		if strconv.FormatInt(u.ID, 10) == forms.Raw(o.answers(), u.FieldKey) {
			out[u.FieldKey] = u
		}
	}
	return out, nil
}

// download serves a file to its owner or to staff who may view the
// program's participants, always as an attachment with nosniff so it can
// never render as a page of ours.
func (h *handlers) download(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "")
	}
	ctx := c.UserContext()
	u, err := h.s.Store().UploadByID(ctx, id)
	if err != nil {
		return err
	}
	me := web.CurrentPerson(c)
	if u.PersonID != me.ID {
		e, err := h.s.Store().EnrollmentByID(ctx, u.EnrollmentID)
		if err != nil {
			return err
		}
		ok, err := access.Can(c, h.s, authz.ParticipantsView, e.ProgramID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.New(apperr.NotFound, "")
		}
	}
	c.Set(fiber.HeaderContentType, u.ContentType)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", u.Filename))
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.SendFile(filepath.Join(h.s.Config().Uploads(), u.StorageName))
}
