// Command peakrss measures the memory that motcua serve takes under the
// largest requests it allows: clients post, at once, bodies of MaxEvents
// events with the longest ids of the contract (stored), or gzip bodies of one
// line repeated past the limit (refused), and it reports the peak resident
// memory (VmHWM) of the server's process. Bodies go gzipped: 100,000 events
// with the longest ids are 38 MB as plain NDJSON, over the 32 MiB MaxBody. Run it by hand against a running
// `motcua serve`; see README.md, "Limits".
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "motcua's base `URL`")
	token := flag.String("token", os.Getenv("MOTCUA_TOKEN"), "ingest `TOKEN` (env MOTCUA_TOKEN)")
	pid := flag.Int("pid", 0, "`PID` of motcua serve, to read its peak memory")
	clients := flag.Int("clients", 8, "clients posting at once")
	rounds := flag.Int("rounds", 3, "requests per client")
	events := flag.Int("events", 100_000, "events per request (the server's MaxEvents)")
	bomb := flag.Bool("bomb", false, "post gzip bodies of one line repeated twice past -events instead")
	flag.Parse()

	start := time.Now()
	var wg sync.WaitGroup
	statuses := make(chan string, *clients**rounds)
	for c := range *clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range *rounds {
				body, enc := batch(c, r, *events, *bomb)
				req, _ := http.NewRequest("POST", *url+"/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+*token)
				if enc != "" {
					req.Header.Set("Content-Encoding", enc)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- err.Error()
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				statuses <- fmt.Sprintf("%d %.80s", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[string]int{}
	for s := range statuses {
		count[s]++
	}
	for s, n := range count {
		fmt.Printf("%4d × %s\n", n, s)
	}
	fmt.Printf("took %s\n", time.Since(start).Round(time.Millisecond))
	if *pid != 0 {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", *pid))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmHWM") || strings.HasPrefix(l, "VmRSS") {
				fmt.Println(l)
			}
		}
	}
}

// batch returns the body of request r of client c.
func batch(c, r, n int, bomb bool) ([]byte, string) {
	pad := strings.Repeat("x", 100)
	line := func(i int) string {
		return fmt.Sprintf(`{"event_id":"%s-%03d-%03d-%09d","dossier_id":"%s-%03d-%03d-%09d","type":"received","at":"2022-03-01T08:00:00+07:00","unit":"P1","procedure":"XA.001","official":"CB.P1.01","channel":"online","due_at":"2022-03-04T17:00:00+07:00","fee_vnd":20000,"paid_online":true,"digitized":true}`+"\n",
			pad, c, r, i, pad[:40], c, r, i)
	}
	var buf bytes.Buffer
	if bomb {
		zw := gzip.NewWriter(&buf)
		one := line(0)
		for range 2 * n {
			zw.Write([]byte(one))
		}
		zw.Close()
		return buf.Bytes(), "gzip"
	}
	zw := gzip.NewWriter(&buf) // 100,000 such lines are 38 MB: more than MaxBody unless compressed
	for i := range n {
		zw.Write([]byte(line(i)))
	}
	zw.Close()
	return buf.Bytes(), "gzip"
}
