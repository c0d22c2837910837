package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/xiaoer-cs/xiaoer/internal/auth"
	"github.com/xiaoer-cs/xiaoer/internal/bus"
	"github.com/xiaoer-cs/xiaoer/internal/chat"
	"github.com/xiaoer-cs/xiaoer/internal/demo"
	"github.com/xiaoer-cs/xiaoer/internal/hub"
	"github.com/xiaoer-cs/xiaoer/internal/model"
	"github.com/xiaoer-cs/xiaoer/internal/server"
	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// benchOptions are the settings of `xiaoer bench`.
type benchOptions struct {
	sockets   int           // buyer sockets that send
	rate      float64       // messages a second over all sockets; 0 sends as fast as acks come back
	duration  time.Duration // how long the sockets send
	idle      int           // idle sockets for the memory measure
	settle    time.Duration // wait before reading memory
	frameRate int           // the server's --frame-rate
	bin       string        // the xiaoer binary to run as the server
	server    string        // "product" or "platform"
	url       string        // an already running server instead (no memory measure without pid)
	pid       int           // its process id, for memory and CPU
	asJSON    bool
	verbose   bool
}

// benchReport is what `xiaoer bench` measured.
type benchReport struct {
	Machine benchMachine `json:"machine"`
	Idle    *idleResult  `json:"idle,omitempty"`
	Load    *loadResult  `json:"load,omitempty"`
}

type benchMachine struct {
	CPUs       int    `json:"cpus"`
	CPUModel   string `json:"cpu_model"`
	Go         string `json:"go"`
	Kernel     string `json:"kernel"`
	LoadBefore string `json:"load_before"`
	LoadAfter  string `json:"load_after"`
	Server     string `json:"server"` // product or platform
}

type idleResult struct {
	Sockets       int     `json:"sockets"`
	BaseRSSMiB    float64 `json:"base_rss_mib"`
	RSSMiB        float64 `json:"rss_mib"`
	PerSocketKiB  float64 `json:"per_socket_kib"`
	HeapInuseMiB  float64 `json:"heap_inuse_mib"`
	StackMiB      float64 `json:"stack_inuse_mib"`
	Goroutines    int     `json:"goroutines"`
	ConnectSecond float64 `json:"connect_seconds"`
}

type loadResult struct {
	Sockets      int            `json:"sockets"`
	TargetRate   float64        `json:"target_rate"` // 0: closed loop
	Seconds      float64        `json:"seconds"`
	Sent         int            `json:"sent"`
	Acked        int            `json:"acked"`
	AckedPerSec  float64        `json:"acked_per_second"`
	P50Ms        float64        `json:"p50_ms"`
	P90Ms        float64        `json:"p90_ms"`
	P99Ms        float64        `json:"p99_ms"`
	MaxMs        float64        `json:"max_ms"`
	ServerCPU    float64        `json:"server_cpu_cores"` // CPU time of the server over wall time
	ClientCPU    float64        `json:"client_cpu_cores"` // the same for this load generator
	ServerRSSMiB float64        `json:"server_rss_mib"`
	BotReplies   int            `json:"bot_replies"` // bot messages the sockets received meanwhile
	Errors       map[string]int `json:"errors,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOptions
	fs.IntVar(&o.sockets, "sockets", 1000, "buyer sockets that send messages (0 skips the load phase)")
	fs.Float64Var(&o.rate, "rate", 5000, "messages a second over all sockets, spread evenly; 0 sends each socket's next message when the last is acked")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "how long the sockets send")
	fs.IntVar(&o.idle, "idle", 10000, "idle buyer sockets for the memory measure (0 skips it)")
	fs.DurationVar(&o.settle, "settle", 3*time.Second, "how long the server settles before its memory is read")
	fs.IntVar(&o.frameRate, "frame-rate", 1000, "the server's --frame-rate (frames a second a socket may send)")
	fs.StringVar(&o.bin, "bin", "", "xiaoer binary to start as the server (default: this one)")
	fs.StringVar(&o.server, "server", "product", "what to start: product (xiaoer serve --demo: the answer engine reads every buyer message and the bot replies) or platform (sockets, chat and store only)")
	platform := fs.String("platform-server", "", "run the platform-only server on this address (bench starts itself so)")
	platformData := fs.String("platform-data", "", "the platform-only server's data directory")
	fs.StringVar(&o.url, "url", "", "drive a running server at this URL instead (its shop \"demo\" must exist)")
	fs.IntVar(&o.pid, "pid", 0, "process id of the server at --url, to read its memory and CPU")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&o.verbose, "v", false, "show the server's log")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if *platform != "" {
		return servePlatform(ctx, *platform, *platformData, o.frameRate)
	}
	if o.server != "product" && o.server != "platform" {
		return fmt.Errorf("%w: bench: --server is product or platform, not %q", errUsage, o.server)
	}
	if o.sockets < 0 || o.idle < 0 || o.rate < 0 || o.duration <= 0 {
		return fmt.Errorf("%w: bench: --sockets, --idle and --rate must not be negative, --duration must be positive", errUsage)
	}
	raiseFileLimit()

	rep := benchReport{Machine: machineInfo()}
	rep.Machine.Server = o.server
	srv, err := startBenchServer(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer srv.stop()
	if o.idle > 0 {
		if rep.Idle, err = benchIdle(ctx, srv, o.idle, o.settle); err != nil {
			return err
		}
	}
	if o.sockets > 0 {
		if rep.Load, err = benchLoad(ctx, srv, o); err != nil {
			return err
		}
	}
	rep.Machine.LoadAfter = readTrim("/proc/loadavg")
	if o.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(stdout, rep)
	return nil
}

// raiseFileLimit lifts the soft limit on open files to the hard one: every
// socket is a file, and a server started by bench inherits the limit.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func machineInfo() benchMachine {
	m := benchMachine{CPUs: runtime.NumCPU(), Go: runtime.Version(), Kernel: readTrim("/proc/sys/kernel/osrelease"),
		LoadBefore: readTrim("/proc/loadavg")}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func readTrim(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// benchServer is the server under test.
type benchServer struct {
	url  string // http://host:port
	pid  int
	stop func()
}

// startBenchServer runs `xiaoer serve --demo` on a free loopback port with
// a fresh data directory, or takes the server given with --url.
func startBenchServer(ctx context.Context, o benchOptions, stderr io.Writer) (*benchServer, error) {
	if o.url != "" {
		return &benchServer{url: strings.TrimRight(o.url, "/"), pid: o.pid, stop: func() {}}, nil
	}
	bin := o.bin
	if bin == "" {
		var err error
		if bin, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "xiaoer-bench-")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--demo", "--listen", addr, "--data-dir", filepath.Join(dir, "data"),
		"--log-level", "warn", "--bcrypt-cost", "4", "--frame-rate", strconv.Itoa(o.frameRate))
	if o.server == "platform" {
		cmd = exec.Command(bin, "bench", "--platform-server", addr, "--platform-data", filepath.Join(dir, "data"),
			"--frame-rate", strconv.Itoa(o.frameRate))
	}
	if o.verbose {
		cmd.Stderr = stderr
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("bench: start server: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s := &benchServer{url: "http://" + addr, pid: cmd.Process.Pid}
	s.stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
	}
	if err := waitReady(ctx, s.url, exited, 30*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// freeAddr finds a loopback port that is free now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitReady polls /readyz until the server answers 200.
func waitReady(ctx context.Context, base string, exited <-chan struct{}, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("bench: the server exited at start-up (run with -v to see its log)")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("bench: %s not ready after %s", base, wait)
}

// procRSS is a process's resident memory in MiB (0 when unknown).
func procRSS(pid int) float64 {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// procCPU is a process's user and system CPU time so far.
func procCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	_, after, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(after)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// serverMetric reads one unlabelled value from the server's /metrics.
func serverMetric(base, name string) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			v, _ := strconv.ParseFloat(rest, 64)
			return v
		}
	}
	return 0
}

// benchConn is one buyer socket of the load generator.
type benchConn struct {
	conn *websocket.Conn
}

// dialBuyer opens a buyer socket to the demo shop and waits for its welcome.
func dialBuyer(ctx context.Context, base string) (*benchConn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/buyer", nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(1 << 20)
	if err := conn.Write(dctx, websocket.MessageText, []byte(`{"type":"hello","shop":"demo"}`)); err != nil {
		conn.CloseNow()
		return nil, err
	}
	for {
		_, b, err := conn.Read(dctx)
		if err != nil {
			conn.CloseNow()
			return nil, err
		}
		if bytes.HasPrefix(b, []byte(`{"type":"welcome"`)) {
			return &benchConn{conn: conn}, nil
		}
		if bytes.HasPrefix(b, []byte(`{"type":"error"`)) {
			conn.CloseNow()
			return nil, fmt.Errorf("bench: hello refused: %s", b)
		}
	}
}

// dialMany opens n buyer sockets, 100 at a time.
func dialMany(ctx context.Context, base string, n int) ([]*benchConn, error) {
	conns := make([]*benchConn, n)
	errs := make([]error, n)
	sem := make(chan struct{}, 100)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			conns[i], errs[i] = dialBuyer(ctx, base)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, c := range conns {
			if c != nil {
				c.conn.CloseNow()
			}
		}
		return nil, fmt.Errorf("bench: open sockets: %w", err)
	}
	return conns, nil
}

// benchIdle opens n sockets that say hello and then stay quiet, and reads
// how much the server's memory grew.
func benchIdle(ctx context.Context, srv *benchServer, n int, settle time.Duration) (*idleResult, error) {
	time.Sleep(settle / 3)
	res := &idleResult{Sockets: n, BaseRSSMiB: procRSS(srv.pid)}
	start := time.Now()
	conns, err := dialMany(ctx, srv.url, n)
	if err != nil {
		return nil, err
	}
	res.ConnectSecond = time.Since(start).Seconds()
	for _, c := range conns {
		c.conn.CloseRead(ctx) // answers pings, notices the close
	}
	time.Sleep(settle)
	res.RSSMiB = procRSS(srv.pid)
	res.HeapInuseMiB = serverMetric(srv.url, "go_memstats_heap_inuse_bytes") / (1 << 20)
	res.StackMiB = serverMetric(srv.url, "go_memstats_stack_inuse_bytes") / (1 << 20)
	res.Goroutines = int(serverMetric(srv.url, "go_goroutines"))
	if res.RSSMiB > 0 {
		res.PerSocketKiB = (res.RSSMiB - res.BaseRSSMiB) * 1024 / float64(n)
	}
	for _, c := range conns {
		c.conn.CloseNow()
	}
	time.Sleep(settle / 3)
	return res, nil
}

// loadSocket is one sending socket's measures.
type loadSocket struct {
	c        *benchConn
	due      [dueRing]atomic.Int64 // when message k was due (Unix ns), at k % dueRing
	sent     atomic.Int64
	answered atomic.Int64    // acks and error frames received
	answer   chan struct{}   // closed loop: an answer came
	lat      []time.Duration // reader goroutine only
	replies  int
	lastAck  time.Time
	errCodes map[string]int
}

// benchLoad runs the sending sockets: each says hello, sends one warm-up
// message (which opens its conversation), then sends for the duration, open
// loop at an even pace or closed loop. Latency runs from when a message was
// due (not when it could be written) to its ack.
func benchLoad(ctx context.Context, srv *benchServer, o benchOptions) (*loadResult, error) {
	conns, err := dialMany(ctx, srv.url, o.sockets)
	if err != nil {
		return nil, err
	}
	defer func() {
		for _, c := range conns {
			c.conn.CloseNow()
		}
	}()
	socks := make([]*loadSocket, len(conns))
	warm := make([]error, len(conns))
	var wg sync.WaitGroup
	for i, c := range conns {
		socks[i] = &loadSocket{c: c, answer: make(chan struct{}, 1), errCodes: map[string]int{}}
		wg.Go(func() { warm[i] = socks[i].warmUp(ctx) })
	}
	wg.Wait()
	if err := errors.Join(warm...); err != nil {
		return nil, fmt.Errorf("bench: warm-up: %w", err)
	}

	cpu0, self0 := procCPU(srv.pid), procCPU(os.Getpid())
	start := time.Now().Add(100 * time.Millisecond)
	end := start.Add(o.duration)
	rctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	var readers sync.WaitGroup
	for i, s := range socks {
		readers.Go(func() { s.read(rctx) })
		wg.Go(func() {
			if o.rate > 0 {
				s.sendPaced(ctx, start, end, float64(o.sockets)/o.rate, time.Duration(float64(i)/o.rate*float64(time.Second)))
			} else {
				s.sendClosed(ctx, start, end)
			}
		})
	}
	wg.Wait()
	// Give the last messages up to 10 seconds to be acked.
	for grace := time.Now().Add(10 * time.Second); time.Now().Before(grace); time.Sleep(10 * time.Millisecond) {
		if !slices.ContainsFunc(socks, func(s *loadSocket) bool { return s.answered.Load() < s.sent.Load() }) {
			break
		}
	}
	stopReading()
	readers.Wait()
	wall := time.Since(start)

	res := &loadResult{Sockets: o.sockets, TargetRate: o.rate, Errors: map[string]int{}}
	res.ServerCPU = (procCPU(srv.pid) - cpu0).Seconds() / wall.Seconds()
	res.ClientCPU = (procCPU(os.Getpid()) - self0).Seconds() / wall.Seconds()
	res.ServerRSSMiB = procRSS(srv.pid)
	var lats []time.Duration
	last := start
	for _, s := range socks {
		res.Sent += int(s.sent.Load())
		res.Acked += len(s.lat)
		res.BotReplies += s.replies
		lats = append(lats, s.lat...)
		if s.lastAck.After(last) {
			last = s.lastAck
		}
		for k, v := range s.errCodes {
			res.Errors[k] += v
		}
	}
	res.Seconds = last.Sub(start).Seconds()
	if res.Seconds > 0 {
		res.AckedPerSec = float64(res.Acked) / res.Seconds
	}
	slices.Sort(lats)
	pct := func(p float64) float64 {
		if len(lats) == 0 {
			return 0
		}
		return float64(lats[min(len(lats)-1, int(p*float64(len(lats))))]) / float64(time.Millisecond)
	}
	res.P50Ms, res.P90Ms, res.P99Ms = pct(0.50), pct(0.90), pct(0.99)
	if len(lats) > 0 {
		res.MaxMs = float64(lats[len(lats)-1]) / float64(time.Millisecond)
	}
	return res, nil
}

// warmUp sends one message and waits for its ack.
func (s *loadSocket) warmUp(ctx context.Context) error {
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := s.c.conn.Write(wctx, websocket.MessageText, []byte(`{"type":"send","client_id":"warm","body":"你好，在吗？"}`)); err != nil {
		return err
	}
	for {
		_, b, err := s.c.conn.Read(wctx)
		if err != nil {
			return err
		}
		if bytes.HasPrefix(b, []byte(`{"type":"ack"`)) {
			return nil
		}
		if bytes.HasPrefix(b, []byte(`{"type":"error"`)) {
			return fmt.Errorf("%s", b)
		}
	}
}

// dueRing is how many messages a socket may have in flight and still be
// timed right.
const dueRing = 1024

// sendBody is a typical buyer question.
var sendBody = strings.Repeat("请问这件衣服有没有大一码的？", 3)

func (s *loadSocket) send(ctx context.Context, k int, due time.Time) error {
	s.due[k%dueRing].Store(due.UnixNano())
	frame := `{"type":"send","client_id":"` + strconv.Itoa(k) + `","body":"` + sendBody + `"}`
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.c.conn.Write(wctx, websocket.MessageText, []byte(frame)); err != nil {
		return err
	}
	s.sent.Add(1)
	return nil
}

// sendPaced sends a message every `every` seconds from start+offset until end.
func (s *loadSocket) sendPaced(ctx context.Context, start, end time.Time, every float64, offset time.Duration) {
	for k := 0; ; k++ {
		due := start.Add(offset + time.Duration(float64(k)*every*float64(time.Second)))
		if !due.Before(end) {
			return
		}
		time.Sleep(time.Until(due))
		if s.send(ctx, k, due) != nil {
			return
		}
	}
}

// sendClosed sends the next message as soon as the last one is answered.
func (s *loadSocket) sendClosed(ctx context.Context, start, end time.Time) {
	time.Sleep(time.Until(start))
	for k := 0; time.Now().Before(end); k++ {
		if s.send(ctx, k, time.Now()) != nil {
			return
		}
		select {
		case <-s.answer:
		case <-time.After(30 * time.Second):
			return
		case <-ctx.Done():
			return
		}
	}
}

// read takes frames until ctx ends, timing each ack.
func (s *loadSocket) read(ctx context.Context) {
	ackPrefix := []byte(`{"type":"ack","client_id":"`)
	for {
		_, b, err := s.c.conn.Read(ctx)
		if err != nil {
			return
		}
		now := time.Now()
		switch {
		case bytes.HasPrefix(b, ackPrefix):
			rest := b[len(ackPrefix):]
			k, err := strconv.Atoi(string(rest[:max(0, bytes.IndexByte(rest, '"'))]))
			if err != nil || k < 0 {
				continue // not one of ours
			}
			s.lat = append(s.lat, now.Sub(time.Unix(0, s.due[k%dueRing].Load())))
			s.lastAck = now
		case bytes.HasPrefix(b, []byte(`{"type":"error"`)):
			var f struct{ Code string }
			_ = json.Unmarshal(b, &f)
			s.errCodes[f.Code]++
		default:
			if bytes.HasPrefix(b, []byte(`{"type":"message"`)) && bytes.Contains(b, []byte(`"sender":"bot"`)) {
				s.replies++
			}
			continue
		}
		s.answered.Add(1)
		select {
		case s.answer <- struct{}{}:
		default:
		}
	}
}

func printBench(w io.Writer, r benchReport) {
	m := r.Machine
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s, Linux %s; load average before %s, after %s\n",
		m.CPUs, m.CPUModel, m.Go, m.Kernel, m.LoadBefore, m.LoadAfter)
	fmt.Fprintf(w, "server: %s\n", map[string]string{"product": "product (xiaoer serve --demo: answer engine and bot on every buyer message)",
		"platform": "platform only (sockets, chat, store; no answer engine)"}[m.Server])
	if i := r.Idle; i != nil {
		fmt.Fprintf(w, "idle:  %d sockets opened in %.1f s; server RSS %.0f MiB (%.0f MiB before: %.1f KiB a socket)\n",
			i.Sockets, i.ConnectSecond, i.RSSMiB, i.BaseRSSMiB, i.PerSocketKiB)
		fmt.Fprintf(w, "       Go heap in use %.0f MiB, goroutine stacks %.0f MiB, %d goroutines\n", i.HeapInuseMiB, i.StackMiB, i.Goroutines)
	}
	if l := r.Load; l != nil {
		mode := fmt.Sprintf("open loop at %.0f messages/s", l.TargetRate)
		if l.TargetRate == 0 {
			mode = "closed loop (next message on ack)"
		}
		fmt.Fprintf(w, "load:  %d sockets, %s: %d sent, %d acked in %.1f s = %.0f acked messages/s\n",
			l.Sockets, mode, l.Sent, l.Acked, l.Seconds, l.AckedPerSec)
		fmt.Fprintf(w, "       ack latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n", l.P50Ms, l.P90Ms, l.P99Ms, l.MaxMs)
		fmt.Fprintf(w, "       server CPU %.2f cores, RSS %.0f MiB; load generator CPU %.2f cores\n", l.ServerCPU, l.ServerRSSMiB, l.ClientCPU)
		fmt.Fprintf(w, "       bot replies received meanwhile: %d\n", l.BotReplies)
		if len(l.Errors) > 0 {
			fmt.Fprintf(w, "       error frames: %v\n", l.Errors)
		}
	}
}

// servePlatform runs the realtime platform alone: SQLite store, chat, local
// bus, hub and the HTTP server with the sockets, and one shop "demo". It
// has no answer engine, so a benchmark of it measures the path of a message
// from socket to commit to ack and nothing else. It stops on SIGTERM like
// serve.
func servePlatform(ctx context.Context, addr, dir string, frameRate int) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	db, err := store.Open(ctx, store.Options{DSN: filepath.Join(dir, "xiaoer.db")})
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	if _, err := db.GetShopBySlug(ctx, demo.ShopSlug); errors.Is(err, store.ErrNotFound) {
		_, err = db.CreateShop(ctx, model.Shop{Slug: demo.ShopSlug, Name: "bench", Language: "zh-CN",
			Timezone: "Asia/Shanghai", IdentitySecret: auth.NewToken()})
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	broker := bus.NewLocal()
	h := hub.New()
	broker.Subscribe(h.Handle)
	srv := server.New(server.Options{Store: db, Chat: chat.New(chat.Options{Store: db, Bus: broker}), Bus: broker, Hub: h,
		Identities: auth.NewIdentities(auth.NewToken()), FrameRate: frameRate, Version: version})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	srv.Drain()
	err = httpSrv.Shutdown(sctx)
	srv.WaitSockets()
	return err
}
