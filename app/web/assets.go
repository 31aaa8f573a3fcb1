package web

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// asset is one static file held in memory with its content-hashed URL and
// Subresource Integrity digest.
type asset struct {
	body        []byte
	contentType string
	url         string // /static/css/app.<hash>.css
	integrity   string // sha384-…
	etag        string
}

// Assets maps logical names ("css/app.css") to hashed files. Hashing the
// content into the URL lets browsers cache every file for a year: a changed
// file gets a new URL.
type Assets struct {
	byName map[string]*asset
	byURL  map[string]*asset
}

// LoadAssets reads and hashes every file of fsys.
func LoadAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]*asset{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".go") {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(p)
		sri := sha512.Sum384(body)
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		as := &asset{
			body:        body,
			contentType: ct,
			url:         "/static/" + strings.TrimSuffix(p, ext) + "." + hash + ext,
			integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sri[:]),
			etag:        `"` + hash + `"`,
		}
		a.byName[p] = as
		a.byURL[as.url] = as
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return a, nil
}

// URL is the hashed URL of a logical name. An unknown name panics at
// template render, which the start-up render check turns into a failed start.
func (a *Assets) URL(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("static: no asset %q", name)
	}
	return as.url, nil
}

// Integrity is the SRI digest of a logical name.
func (a *Assets) Integrity(name string) (string, error) {
	as, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("static: no asset %q", name)
	}
	return as.integrity, nil
}

// Handler serves hashed URLs with immutable one-year caching.
func (a *Assets) Handler(c *fiber.Ctx) error {
	as, ok := a.byURL[c.Path()]
	if !ok {
		return fiber.ErrNotFound
	}
	if c.Get(fiber.HeaderIfNoneMatch) == as.etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentType, as.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderETag, as.etag)
	return c.Send(as.body)
}
