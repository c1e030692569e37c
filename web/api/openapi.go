package api

import (
	_ "embed"
	"net/http"
)

// openapiJSON describes the API (OpenAPI 3.1). A test proves that every
// route served is documented and every documented route is served.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the API document.
func OpenAPI() []byte { return openapiJSON }

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openapiJSON)
}
