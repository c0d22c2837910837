package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/nlp"
)

// runEval implements `xiaoer eval`: it builds the answer engine from an FAQ
// file and scores it on labelled queries, or (`xiaoer eval intents`) scores
// the built-in intent model. Merchants use it to test their bot before
// publishing, so every file error names the file, the line and the problem.
func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "intents" {
		return runEvalIntents(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	faqPath := fs.String("faq", "", "FAQ file, JSON lines: {\"id\", \"question\", \"similar\": [...], \"answer\"}")
	queryPath := fs.String("queries", "", "queries file, JSON lines: {\"text\", \"expect\": FAQ id or null}")
	asJSON := fs.Bool("json", false, "print the metrics as one JSON object on the last line")
	missPath := fs.String("misses", "", "write every query the engine handles wrongly to this file, one JSON line each (line, text, expect, decision, got, confidence, rank of the expected FAQ)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: xiaoer eval --faq FAQ.jsonl --queries QUERIES.jsonl [--json] [--misses FILE]")
		fmt.Fprintln(stderr, "       xiaoer eval intents --queries FILE.jsonl [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *faqPath == "" || *queryPath == "" {
		fs.Usage()
		return errors.New("eval: --faq and --queries are required")
	}
	faqs, err := readFAQs(*faqPath)
	if err != nil {
		return err
	}
	queries, err := readQueries(*queryPath, faqs)
	if err != nil {
		return err
	}
	start := time.Now()
	engine, err := nlp.Build(faqs, nlp.Options{})
	if err != nil {
		return fmt.Errorf("eval: build engine: %w", err)
	}
	buildMS := time.Since(start).Milliseconds()
	// Latency is that of a running engine: the garbage left by training is
	// collected first instead of during the first queries.
	runtime.GC()
	var misses []miss
	var onMiss func(miss)
	if *missPath != "" {
		onMiss = func(x miss) { misses = append(misses, x) }
	}
	m := scoreQueries(ctx, engine, queries, onMiss)
	m.BuildMS = buildMS
	if err := ctx.Err(); err != nil {
		return err
	}
	if *missPath != "" {
		if err := writeMisses(*missPath, misses); err != nil {
			return err
		}
	}
	return printMetrics(stdout, m, engine.Thresholds(), *asJSON)
}

// miss is a query the engine handled wrongly: an in-scope question not
// answered with its FAQ, or an out-of-scope one answered.
type miss struct {
	Line       int     `json:"line"`
	Text       string  `json:"text"`
	Expect     *string `json:"expect"`
	Decision   string  `json:"decision"`
	Got        string  `json:"got,omitempty"` // the top FAQ
	Confidence float64 `json:"confidence"`
	// Rank is the expected FAQ's place among the candidates (1 = first),
	// 0 when it is not among them or the query is out of scope.
	Rank int `json:"rank"`
}

func writeMisses(path string, ms []miss) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	enc := json.NewEncoder(f)
	enc.SetEscapeHTML(false)
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			f.Close()
			return fmt.Errorf("eval: %s: %w", path, err)
		}
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("eval: %s: %w", path, err)
	}
	return nil
}

// query is one labelled buyer message; Expect is empty for out of scope.
type query struct {
	Line   int // in the queries file
	Text   string
	Expect string
}

// metrics are the figures defined in the benchmark README, with its names.
type metrics struct {
	NIn             int     `json:"n_in"`
	NOOS            int     `json:"n_oos"`
	Top1            float64 `json:"top1"`
	Top3            float64 `json:"top3"`
	InScopeAcc      float64 `json:"in_scope_acc"`
	OOSRecall       float64 `json:"oos_recall"`
	OverallAcc      float64 `json:"overall_acc"`
	WrongAnswerRate float64 `json:"wrong_answer_rate"`
	AnswerRate      float64 `json:"answer_rate"`
	SuggestRate     float64 `json:"suggest_rate"`
	FallbackRate    float64 `json:"fallback_rate"`
	P50US           int64   `json:"p50_us"`
	P99US           int64   `json:"p99_us"`
	BuildMS         int64   `json:"build_ms"`
}

// scoreQueries matches every query and computes the metrics; onMiss, when
// not nil, hears of each query handled wrongly.
func scoreQueries(ctx context.Context, e *nlp.Engine, qs []query, onMiss func(miss)) metrics {
	var m metrics
	var top1, top3, inOK, oosOK, answered, wrong, suggested, fellBack int
	lat := make([]time.Duration, 0, len(qs))
	for _, q := range qs {
		if ctx.Err() != nil {
			break
		}
		t := time.Now()
		r := e.Match(q.Text)
		lat = append(lat, time.Since(t))
		switch r.Decision {
		case nlp.Answer:
			answered++
		case nlp.Suggest:
			suggested++
		default:
			fellBack++
		}
		report := func(rank int) {
			if onMiss == nil {
				return
			}
			x := miss{Line: q.Line, Text: q.Text, Decision: string(r.Decision), Confidence: r.Confidence, Rank: rank}
			if q.Expect != "" {
				x.Expect = &q.Expect
			}
			if len(r.Candidates) > 0 {
				x.Got = r.Candidates[0].FAQID
			}
			onMiss(x)
		}
		if q.Expect == "" {
			m.NOOS++
			if r.Decision != nlp.Answer {
				oosOK++
			} else {
				wrong++
				report(0)
			}
			continue
		}
		m.NIn++
		rank := 0
		for i, c := range r.Candidates {
			if c.FAQID == q.Expect {
				rank = i + 1
				if i == 0 {
					top1++
				}
				if i < 3 {
					top3++
				}
			}
		}
		if r.Decision == nlp.Answer && rank == 1 {
			inOK++
			continue
		}
		if r.Decision == nlp.Answer {
			wrong++
		}
		report(rank)
	}
	n := m.NIn + m.NOOS
	m.Top1, m.Top3, m.InScopeAcc = ratio(top1, m.NIn), ratio(top3, m.NIn), ratio(inOK, m.NIn)
	m.OOSRecall = ratio(oosOK, m.NOOS)
	m.OverallAcc = ratio(inOK+oosOK, n)
	m.WrongAnswerRate = ratio(wrong, answered)
	m.AnswerRate, m.SuggestRate, m.FallbackRate = ratio(answered, n), ratio(suggested, n), ratio(fellBack, n)
	m.P50US, m.P99US = percentileUS(lat, 0.50), percentileUS(lat, 0.99)
	return m
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(int(float64(a)/float64(b)*10000+0.5)) / 10000
}

func percentileUS(d []time.Duration, p float64) int64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)].Microseconds()
}

func printMetrics(w io.Writer, m metrics, thr nlp.Thresholds, asJSON bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := []struct {
		k string
		v any
	}{
		{"n_in", m.NIn}, {"n_oos", m.NOOS}, {"top1", m.Top1}, {"top3", m.Top3},
		{"in_scope_acc", m.InScopeAcc}, {"oos_recall", m.OOSRecall}, {"overall_acc", m.OverallAcc},
		{"wrong_answer_rate", m.WrongAnswerRate}, {"answer_rate", m.AnswerRate},
		{"suggest_rate", m.SuggestRate}, {"fallback_rate", m.FallbackRate},
		{"p50_us", m.P50US}, {"p99_us", m.P99US}, {"build_ms", m.BuildMS},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%v\n", r.k, r.v)
	}
	fmt.Fprintf(tw, "thresholds\tanswer %.3f, suggest %.3f (calibrated: %v)\n", thr.Answer, thr.Suggest, thr.Calibrated)
	if err := tw.Flush(); err != nil {
		return err
	}
	if !asJSON {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// readJSONLines decodes each non-blank line of path into a new T, naming the
// line of any error.
func readJSONLines[T any](path string, each func(line int, v *T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var v T
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			return fmt.Errorf("%s:%d: invalid JSON line: %v", path, line, err)
		}
		if err := each(line, &v); err != nil {
			return fmt.Errorf("%s:%d: %v", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return nil
}

func readFAQs(path string) ([]nlp.FAQ, error) {
	type faqLine struct {
		ID       *string  `json:"id"`
		Question string   `json:"question"`
		Similar  []string `json:"similar"`
		Answer   string   `json:"answer"`
	}
	var faqs []nlp.FAQ
	seen := make(map[string]int)
	err := readJSONLines(path, func(line int, v *faqLine) error {
		switch {
		case v.ID == nil || strings.TrimSpace(*v.ID) == "":
			return errors.New(`missing "id"`)
		case strings.TrimSpace(v.Question) == "":
			return fmt.Errorf(`FAQ %q has no "question"`, *v.ID)
		case seen[*v.ID] > 0:
			return fmt.Errorf("FAQ id %q already used on line %d", *v.ID, seen[*v.ID])
		}
		seen[*v.ID] = line
		faqs = append(faqs, nlp.FAQ{ID: *v.ID, Question: v.Question, Similar: v.Similar, Answer: v.Answer})
		return nil
	})
	if err == nil && len(faqs) == 0 {
		err = fmt.Errorf("%s: no FAQ in the file", path)
	}
	return faqs, err
}

func readQueries(path string, faqs []nlp.FAQ) ([]query, error) {
	type queryLine struct {
		Text   *string `json:"text"`
		Expect *string `json:"expect"`
	}
	ids := make(map[string]bool, len(faqs))
	for _, f := range faqs {
		ids[f.ID] = true
	}
	var qs []query
	err := readJSONLines(path, func(line int, v *queryLine) error {
		if v.Text == nil {
			return errors.New(`missing "text"`)
		}
		q := query{Line: line, Text: *v.Text}
		if v.Expect != nil {
			if !ids[*v.Expect] {
				return fmt.Errorf("expect %q is not an FAQ id in the FAQ file (use null for out of scope)", *v.Expect)
			}
			q.Expect = *v.Expect
		}
		qs = append(qs, q)
		return nil
	})
	if err == nil && len(qs) == 0 {
		err = fmt.Errorf("%s: no query in the file", path)
	}
	return qs, err
}

// runEvalIntents scores the built-in intent model on a file of
// {"text": ..., "intent": ...} lines: accuracy, macro F1 and a per-intent table.
func runEvalIntents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval intents", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("queries", "", "file of JSON lines {\"text\": ..., \"intent\": ...}")
	asJSON := fs.Bool("json", false, "print the metrics as one JSON object on the last line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *path == "" {
		fs.Usage()
		return errors.New("eval intents: --queries is required")
	}
	model, err := nlp.NewIntentModel(nil)
	if err != nil {
		return err
	}
	known := make(map[string]bool)
	for _, id := range model.IntentIDs() {
		known[id] = true
	}
	type line struct {
		Text   *string `json:"text"`
		Intent *string `json:"intent"`
	}
	var texts, gold []string
	err = readJSONLines(*path, func(_ int, v *line) error {
		switch {
		case v.Text == nil:
			return errors.New(`missing "text"`)
		case v.Intent == nil || !known[*v.Intent]:
			return fmt.Errorf(`"intent" must be one of the built-in intents: %s`, strings.Join(model.IntentIDs(), ", "))
		}
		texts, gold = append(texts, *v.Text), append(gold, *v.Intent)
		return nil
	})
	if err != nil {
		return err
	}
	if len(texts) == 0 {
		return fmt.Errorf("%s: no example in the file", *path)
	}
	pred := make([]string, len(texts))
	for i, t := range texts {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		pred[i] = model.Classify(t)[0].ID
	}
	return printIntentMetrics(stdout, model.IntentIDs(), gold, pred, *asJSON)
}

// intentRow is the per-intent part of the report.
type intentRow struct {
	Intent    string  `json:"intent"`
	Support   int     `json:"support"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func printIntentMetrics(w io.Writer, ids, gold, pred []string, asJSON bool) error {
	tp, fp, fn, support := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	correct := 0
	for i := range gold {
		support[gold[i]]++
		if gold[i] == pred[i] {
			correct++
			tp[gold[i]]++
		} else {
			fp[pred[i]]++
			fn[gold[i]]++
		}
	}
	var rows []intentRow
	var f1sum float64
	for _, id := range ids {
		if support[id] == 0 && fp[id] == 0 {
			continue
		}
		r := intentRow{Intent: id, Support: support[id]}
		r.Precision = ratio(tp[id], tp[id]+fp[id])
		r.Recall = ratio(tp[id], tp[id]+fn[id])
		if r.Precision+r.Recall > 0 {
			r.F1 = float64(int(2*r.Precision*r.Recall/(r.Precision+r.Recall)*10000+0.5)) / 10000
		}
		f1sum += r.F1
		rows = append(rows, r)
	}
	out := struct {
		N        int         `json:"n"`
		Accuracy float64     `json:"accuracy"`
		MacroF1  float64     `json:"macro_f1"`
		Intents  []intentRow `json:"intents"`
	}{len(gold), ratio(correct, len(gold)), float64(int(f1sum/float64(max(1, len(rows)))*10000+0.5)) / 10000, rows}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "intent\tsupport\tprecision\trecall\tf1\n")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\n", r.Intent, r.Support, r.Precision, r.Recall, r.F1)
	}
	fmt.Fprintf(tw, "n\t%d\naccuracy\t%.4f\nmacro_f1\t%.4f\n", out.N, out.Accuracy, out.MacroF1)
	if err := tw.Flush(); err != nil {
		return err
	}
	if !asJSON {
		return nil
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}
