package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/xiaoer-cs/xiaoer/internal/commerce"
)

// ingestRequest is a batch pushed by the shop's own systems.
type ingestRequest struct {
	Items      []json.RawMessage `json:"items"`
	ApplyValid bool              `json:"apply_valid"`
}

// invalidBatchJSON answers a refused batch: the error shape plus the report
// that says which record, field and problem.
type invalidBatchJSON struct {
	errorJSON
	Report commerce.Report `json:"report"`
}

// writeReport answers a batch: 200 with the report, or 422 with it when the
// batch was refused whole.
func writeReport(w http.ResponseWriter, rep commerce.Report, err error) error {
	if errors.Is(err, commerce.ErrInvalidBatch) {
		writeJSON(w, http.StatusUnprocessableEntity, invalidBatchJSON{
			errorJSON: errorJSON{Code: "invalid_batch", Message: fmt.Sprintf("%d of %d records are invalid; nothing was applied (send apply_valid to apply the others)", rep.Rejected, rep.Received)},
			Report:    rep})
		return nil
	}
	if err != nil {
		return shopDataError(err)
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func pathEntity(r *http.Request) (commerce.Entity, error) {
	e, err := commerce.ParseEntity(r.PathValue("entity"))
	return e, shopDataError(err)
}

// dataUpsert applies a batch of one entity from the shop's systems.
func (s *Server) dataUpsert(w http.ResponseWriter, r *http.Request) error {
	e, err := pathEntity(r)
	if err != nil {
		return err
	}
	var req ingestRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxIngestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return err
		}
		return badRequest("bad_json", "", `the body must be {"items": [...], "apply_valid": false}: `+err.Error())
	}
	rep, err := s.data.Ingest(r.Context(), stateOf(r).shop.ID, commerce.Batch{Entity: e, Records: req.Items, ApplyValid: req.ApplyValid})
	return writeReport(w, rep, err)
}

// dataGet reads back one record by the shop's id.
func (s *Server) dataGet(w http.ResponseWriter, r *http.Request) error {
	e, err := pathEntity(r)
	if err != nil {
		return err
	}
	rec, err := s.data.Read(r.Context(), stateOf(r).shop.ID, e, r.PathValue("id"))
	if err != nil {
		return shopDataError(err)
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// webhookReceive applies a signed delivery of events and answers with each
// event's result.
func (s *Server) webhookReceive(w http.ResponseWriter, r *http.Request) error {
	var d commerce.Delivery
	dec := json.NewDecoder(r.Body) // already bounded and read by signedCaller
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return badRequest("bad_json", "", `the body must be {"id": "...", "events": [{"entity": "orders", "data": {...}}]}: `+err.Error())
	}
	m := machineOf(r)
	results, err := s.data.Deliver(r.Context(), m.key.ShopID, m.signature, d)
	if err != nil {
		return shopDataError(err)
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": d.ID, "results": results})
	return nil
}

// dataImport ingests a file (the request body) of one entity: ?format=csv,
// jsonl or xlsx; ?apply_valid=true applies the valid rows of a file with
// bad ones.
func (s *Server) dataImport(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	e, err := pathEntity(r)
	if err != nil {
		return err
	}
	f, err := commerce.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		return shopDataError(err)
	}
	applyValid, _ := strconv.ParseBool(r.URL.Query().Get("apply_valid"))
	body := http.MaxBytesReader(w, r.Body, commerce.MaxFileBytes)
	rep, err := s.data.ImportFile(r.Context(), st.shop, e, f, body, applyValid)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	if err == nil {
		s.audit(r, st.shop.ID, st.account.ID, "shopdata.import", string(e),
			fmt.Sprintf("%s: %d created, %d updated, %d unchanged, %d rejected", f, rep.Created, rep.Updated, rep.Unchanged, rep.Rejected))
	}
	return writeReport(w, rep, err)
}

// dataExport downloads every record of one entity as ?format=csv, jsonl or
// xlsx.
func (s *Server) dataExport(w http.ResponseWriter, r *http.Request) error {
	st := stateOf(r)
	e, err := pathEntity(r)
	if err != nil {
		return err
	}
	f, err := commerce.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		return shopDataError(err)
	}
	// Buffered, so an error half-way answers with an error, not half a file.
	var buf bytes.Buffer
	if _, err := s.data.ExportFile(r.Context(), st.shop, e, f, &buf); err != nil {
		return shopDataError(err)
	}
	types := map[commerce.Format]string{commerce.CSV: "text/csv; charset=utf-8", commerce.JSONL: "application/x-ndjson",
		commerce.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	w.Header().Set("Content-Type", types[f])
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, e, f))
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(buf.Bytes())
	return err
}
