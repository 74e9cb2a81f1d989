package api

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/talentmatch/talentmatch/schemas"
)

// contractRoutes serves the machine-readable contract at the root:
// /asyncapi.yaml, /openapi.yaml and the JSON Schemas beside them
// (/talentmatch.job.posted.v1.schema.json, ...), so that the documents'
// relative $refs resolve against matchd as they do in schemas/.
func contractRoutes(mux *http.ServeMux) {
	files := schemas.FS()
	names, _ := fs.Glob(files, "*")
	for _, name := range names {
		ctype := "application/schema+json"
		if strings.HasSuffix(name, ".yaml") {
			ctype = "application/yaml"
		}
		mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ctype)
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeFileFS(w, r, files, name)
		})
	}
}
