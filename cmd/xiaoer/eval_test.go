package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const evalFAQ = `{"id":"ship","question":"什么时候发货","similar":["多久发货","几天能发"],"answer":"48小时内"}
{"id":"fee","question":"包邮吗","similar":["运费多少","要运费吗"],"answer":"包邮"}
{"id":"size","question":"怎么选尺码","similar":["穿多大码","尺码偏大吗"],"answer":"看尺码表"}
{"id":"return","question":"可以退货吗","similar":["怎么退货","七天无理由吗"],"answer":"可以"}
{"id":"invoice","question":"能开发票吗","similar":["怎么开票","要发票"],"answer":"能"}
{"id":"stock","question":"有现货吗","similar":["还有货吗","什么时候补货"],"answer":"有"}
`

func TestEvalJSON(t *testing.T) {
	faq := writeFile(t, "faq.jsonl", evalFAQ)
	queries := writeFile(t, "q.jsonl", `{"text":"几天发货","expect":"ship"}
{"text":"运费要多少","expect":"fee"}

{"text":"今天天气怎么样","expect":null}
`)
	var out, errOut bytes.Buffer
	if err := runEval(context.Background(), []string{"--faq", faq, "--queries", queries, "--json"}, &out, &errOut); err != nil {
		t.Fatalf("runEval: %v\n%s", err, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var m map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line is not JSON: %q", lines[len(lines)-1])
	}
	for _, k := range []string{"n_in", "n_oos", "top1", "top3", "in_scope_acc", "oos_recall", "overall_acc",
		"wrong_answer_rate", "answer_rate", "suggest_rate", "fallback_rate", "p50_us", "p99_us", "build_ms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metric %q missing from %v", k, m)
		}
	}
	if m["n_in"] != 2 || m["n_oos"] != 1 || m["top1"] != 1 {
		t.Errorf("n_in %v n_oos %v top1 %v, want 2, 1, 1", m["n_in"], m["n_oos"], m["top1"])
	}
	if sum := m["answer_rate"] + m["suggest_rate"] + m["fallback_rate"]; sum < 0.999 || sum > 1.001 {
		t.Errorf("decision rates sum to %v", sum)
	}
}

// TestEvalMisses: --misses lists exactly the queries handled wrongly,
// with their line in the queries file, and nothing for the right ones.
func TestEvalMisses(t *testing.T) {
	faq := writeFile(t, "faq.jsonl", evalFAQ)
	queries := writeFile(t, "q.jsonl", `{"text":"多久发货","expect":"ship"}
{"text":"多久发货","expect":"fee"}
{"text":"qwxz zzkv","expect":"size"}
`)
	missPath := filepath.Join(t.TempDir(), "misses.jsonl")
	var out, errOut bytes.Buffer
	if err := runEval(context.Background(), []string{"--faq", faq, "--queries", queries, "--misses", missPath}, &out, &errOut); err != nil {
		t.Fatalf("runEval: %v\n%s", err, errOut.String())
	}
	raw, err := os.ReadFile(missPath)
	if err != nil {
		t.Fatal(err)
	}
	var got []miss
	for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var m miss
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		got = append(got, m)
	}
	if len(got) != 2 || got[0].Line != 2 || got[0].Got != "ship" || *got[0].Expect != "fee" || got[0].Decision != "answer" ||
		got[1].Line != 3 || got[1].Decision == "answer" {
		t.Errorf("misses %s", raw)
	}
}

func TestEvalFileErrorsNameTheLine(t *testing.T) {
	faq := writeFile(t, "faq.jsonl", evalFAQ)
	tests := []struct {
		name, faq, queries, want string
	}{
		{"bad json in queries", faq, "{\"text\":\"a\",\"expect\":null}\n{oops\n", "q.jsonl:2: invalid JSON"},
		{"unknown FAQ id", faq, "{\"text\":\"a\",\"expect\":\"nope\"}\n", `q.jsonl:1: expect "nope" is not an FAQ id`},
		{"missing text", faq, "{\"expect\":null}\n", `q.jsonl:1: missing "text"`},
		{"unknown field", faq, "{\"txt\":\"a\"}\n", "q.jsonl:1: invalid JSON"},
		{"faq without question", writeFile(t, "f.jsonl", "{\"id\":\"a\",\"question\":\"q\"}\n{\"id\":\"b\"}\n"), "{\"text\":\"a\"}\n", `f.jsonl:2: FAQ "b" has no "question"`},
		{"duplicate faq id", writeFile(t, "f.jsonl", "{\"id\":\"a\",\"question\":\"q\"}\n{\"id\":\"a\",\"question\":\"r\"}\n"), "{\"text\":\"a\"}\n", `f.jsonl:2: FAQ id "a" already used on line 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := writeFile(t, "q.jsonl", tt.queries)
			err := runEval(context.Background(), []string{"--faq", tt.faq, "--queries", q}, &bytes.Buffer{}, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEvalRequiresFiles(t *testing.T) {
	if err := runEval(context.Background(), []string{"--faq", "x.jsonl"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("missing --queries accepted")
	}
}

func TestEvalIntents(t *testing.T) {
	q := writeFile(t, "i.jsonl", `{"text":"你好在吗","intent":"greeting"}
{"text":"我要投诉你们","intent":"complaint"}
{"text":"can I get an invoice","intent":"invoice"}
`)
	var out bytes.Buffer
	if err := runEval(context.Background(), []string{"intents", "--queries", q, "--json"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var m struct {
		N        int     `json:"n"`
		Accuracy float64 `json:"accuracy"`
		MacroF1  float64 `json:"macro_f1"`
		Intents  []struct {
			Intent string `json:"intent"`
		} `json:"intents"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatal(err)
	}
	if m.N != 3 || m.Accuracy != 1 || m.MacroF1 != 1 || len(m.Intents) != 3 {
		t.Errorf("got %+v", m)
	}
	bad := writeFile(t, "b.jsonl", `{"text":"hi","intent":"no.such"}`+"\n")
	err := runEval(context.Background(), []string{"intents", "--queries", bad}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "b.jsonl:1:") {
		t.Errorf("error %v, want it to name line 1", err)
	}
}
