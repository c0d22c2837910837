package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/xiaoer-cs/xiaoer/internal/store"
)

// testUploadQuota: uploads count against every quota given or none, a
// refusal names the quota and when its window ends, a window that ended
// starts afresh, and concurrent uploads never go over a limit.
func testUploadQuota(t *testing.T, e *env) {
	hour := time.Hour
	buyer := store.UploadQuota{Key: "b:1:u1", MaxUploads: 3, MaxBytes: 1000, Window: hour}
	other := store.UploadQuota{Key: "b:1:u2", MaxUploads: 3, MaxBytes: 1000, Window: hour}
	shop := store.UploadQuota{Key: "s:1", MaxUploads: 5, MaxBytes: 1200, Window: hour}
	take := func(what string, qs []store.UploadQuota, n, b int64, wantIndex int) store.QuotaRefusal {
		t.Helper()
		r, err := e.s.TakeUploadQuota(e.ctx, qs, n, b)
		checkErr(t, what, err, nil)
		if r.Index != wantIndex {
			t.Fatalf("%s: refused by %d (until %v), want %d", what, r.Index, r.Until, wantIndex)
		}
		return r
	}
	start := e.now()
	for i := range 3 {
		take("buyer upload", []store.UploadQuota{buyer, shop}, 1, 100, -1)
		e.clk.Advance(time.Minute * time.Duration(i+1))
	}
	r := take("a fourth upload of the buyer", []store.UploadQuota{buyer, shop}, 1, 0, 0)
	diff(t, "the buyer's window ends an hour after their first upload", start.Add(hour), r.Until)
	take("another buyer", []store.UploadQuota{other, shop}, 1, 100, -1)
	take("another buyer's bytes", []store.UploadQuota{other, shop}, 0, 600, -1)
	// The shop has 4 uploads and 1,000 bytes: 250 more bytes are too many
	// for the shop, and nothing of it is counted for the buyer either.
	take("over the shop's bytes", []store.UploadQuota{other, shop}, 1, 250, 1)
	take("the buyer still has room", []store.UploadQuota{other}, 0, 300, -1)
	take("the buyer's own bytes", []store.UploadQuota{other}, 0, 1, 0)
	take("the shop's last upload", []store.UploadQuota{other, shop}, 1, 0, -1)
	take("the shop is full", []store.UploadQuota{{Key: "b:1:u3", MaxUploads: 3, MaxBytes: 1000, Window: hour}, shop}, 1, 0, 1)

	e.clk.Advance(hour)
	take("a new window", []store.UploadQuota{buyer, shop}, 1, 900, -1)

	// Eight uploads at once against a limit of five: five get through.
	e.clk.Advance(2 * hour)
	race := store.UploadQuota{Key: "s:race", MaxUploads: 5, MaxBytes: 1 << 20, Window: hour}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			r, err := e.s.TakeUploadQuota(e.ctx, []store.UploadQuota{race}, 1, 10)
			if err != nil {
				t.Error(err)
				return
			}
			if r.Index < 0 {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	diff(t, "concurrent uploads let through", 5, ok)
}
