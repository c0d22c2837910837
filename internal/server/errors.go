package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// Error is an error a client can act on: an HTTP status, a stable code,
// a safe message and, when one field is at fault, its name. The internal
// cause is logged once and never sent.
type Error struct {
	Status  int
	Code    string
	Message string
	Field   string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// errorJSON is the one error shape of the API.
type errorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func badRequest(code, field, message string) *Error {
	return &Error{Status: http.StatusBadRequest, Code: code, Field: field, Message: message}
}

func errNotFound(what string) *Error {
	return &Error{Status: http.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

func errForbidden(message string) *Error {
	return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: message}
}

func errConflict(code, message string) *Error {
	return &Error{Status: http.StatusConflict, Code: code, Message: message}
}

var errUnauthenticated = &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "log in first"}

// asAPIError maps any error to what the client sees.
func asAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: fmt.Sprintf("request body over %d bytes", tooBig.Limit)}
	case errors.Is(err, store.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "not found", Cause: err}
	case errors.Is(err, store.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "already exists", Cause: err}
	case errors.Is(err, store.ErrStale):
		return &Error{Status: http.StatusConflict, Code: "stale", Message: "changed by someone else; reload and retry", Cause: err}
	}
	if code, status, ok := chatErrorCode(err); ok {
		return &Error{Status: status, Code: code, Message: err.Error(), Cause: err}
	}
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Cause: err}
}

// chatErrorCode gives the stable code of an error the chat service returns
// for bad input, shared by the API and the sockets.
func chatErrorCode(err error) (code string, status int, ok bool) {
	switch {
	case errors.Is(err, chat.ErrEmptyMessage):
		return "empty_message", http.StatusBadRequest, true
	case errors.Is(err, chat.ErrMessageTooLong):
		return "too_long", http.StatusBadRequest, true
	case errors.Is(err, chat.ErrBadKind):
		return "bad_kind", http.StatusBadRequest, true
	case errors.Is(err, chat.ErrBadClientID):
		return "bad_client_id", http.StatusBadRequest, true
	case errors.Is(err, chat.ErrClosed):
		return "conversation_closed", http.StatusConflict, true
	case errors.Is(err, chat.ErrNotOwner):
		return "not_assigned", http.StatusForbidden, true
	case errors.Is(err, chat.ErrNotYours):
		return "forbidden", http.StatusForbidden, true
	}
	return "", 0, false
}

// handlerFunc is a handler that returns its error for writeError to answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// writeError answers with the API error shape and logs internal causes.
func writeError(log *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	e := asAPIError(err)
	if e.Status >= 500 {
		log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	} else if e.Cause != nil {
		log.Debug("request refused", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", e.Cause)
	}
	writeJSON(w, e.Status, errorJSON{Code: e.Code, Message: e.Message, Field: e.Field})
}

// writeJSON writes v as the JSON body with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads a JSON body into v, refusing unknown fields, trailing data
// and bodies over maxJSONBody, with errors that say what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxJSONBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return err
		case errors.As(err, &typeErr) && typeErr.Field == "":
			return badRequest("bad_json", "", "request body must be a JSON object")
		case errors.As(err, &typeErr):
			return badRequest("bad_field", typeErr.Field, fmt.Sprintf("%s must be %s", typeErr.Field, jsonKind(typeErr.Type)))
		case errors.Is(err, io.EOF):
			return badRequest("bad_json", "", "request body is empty; send a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			// encoding/json has no error type for this one.
			name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
			return badRequest("unknown_field", name, fmt.Sprintf("unknown field %q", name))
		default:
			return badRequest("bad_json", "", "request body is not valid JSON: "+err.Error())
		}
	}
	if dec.More() {
		return badRequest("bad_json", "", "request body has data after the JSON value")
	}
	return nil
}

// jsonKind names what JSON value a Go type takes, for error messages that
// speak JSON rather than Go.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonKind(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}

// apiMiss answers a request under /api/ that no route matches in the API's
// error shape: 405 method_not_allowed with Allow when the path has routes
// for other methods, else 404 not_found. h is the mux's own plain-text
// answer, asked only for its status and Allow header.
func apiMiss(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := &headerRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if allow := rec.header.Get("Allow"); rec.status == http.StatusMethodNotAllowed && allow != "" {
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, errorJSON{Code: "method_not_allowed",
			Message: fmt.Sprintf("%s is not allowed here; use %s", r.Method, allow)})
		return
	}
	writeJSON(w, http.StatusNotFound, errorJSON{Code: "not_found", Message: "no such API route"})
}

// headerRecorder keeps a response's status and headers and drops its body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }

func (h *headerRecorder) Write(b []byte) (int, error) {
	h.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (h *headerRecorder) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}
