package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// monitor samples the /metrics of every matchd replica for memory and CPU,
// the INFO of every Redis primary for CPU, and /proc/stat for the
// machine's.
type monitor struct {
	urls            []string
	rdb             redis.UniversalClient
	mu              sync.Mutex
	peak, peakTotal int64
	quit            chan struct{}
	done            chan struct{}
}

func newMonitor(urls []string, rdb redis.UniversalClient) *monitor {
	m := &monitor{urls: urls, rdb: rdb, quit: make(chan struct{}), done: make(chan struct{})}
	go func() { // exits on stop
		defer close(m.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			var total int64
			for _, u := range m.urls {
				if rss, _, ok := sampleMetrics(u); ok {
					total += rss
					m.mu.Lock()
					m.peak = max(m.peak, rss)
					m.mu.Unlock()
				}
			}
			m.mu.Lock()
			m.peakTotal = max(m.peakTotal, total)
			m.mu.Unlock()
			select {
			case <-m.quit:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *monitor) stop() {
	select {
	case <-m.quit:
	default:
		close(m.quit)
		<-m.done
	}
}

// cpuSample is CPU seconds used so far.
type cpuSample struct{ matchd, redis, machine float64 }

func (a cpuSample) sub(b cpuSample) cpuSample {
	return cpuSample{a.matchd - b.matchd, a.redis - b.redis, a.machine - b.machine}
}

func (p *Phase) setCPU(c cpuSample, events int) {
	p.CPUSeconds = c.matchd
	p.CPUPerEventMS = 1000 * c.matchd / float64(events)
	p.RedisCPUPerEventMS = 1000 * c.redis / float64(events)
	p.MachineCPUPerEventMS = 1000 * c.machine / float64(events)
}

func (m *monitor) cpu(ctx context.Context) cpuSample {
	var s cpuSample
	for _, u := range m.urls {
		_, c, _ := sampleMetrics(u)
		s.matchd += c
	}
	s.redis, _ = redisCPU(ctx, m.rdb)
	s.machine, _ = machineCPU()
	return s
}

// peakRSS returns the peak RSS of the largest replica and the peak of
// all replicas' RSS summed.
func (m *monitor) peakRSS() (largest, total int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peak, m.peakTotal
}

// sampleMetrics reads a matchd's resident memory and CPU seconds.
func sampleMetrics(url string) (rss int64, cpu float64, ok bool) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, 0, false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, false
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 {
			continue
		}
		switch f[0] {
		case "process_resident_memory_bytes":
			v, _ := strconv.ParseFloat(f[1], 64)
			rss = int64(v)
		case "process_cpu_seconds_total":
			cpu, _ = strconv.ParseFloat(f[1], 64)
		}
	}
	return rss, cpu, true
}

// forEachPrimary calls fn with a client of every primary: each master of
// a Redis Cluster, or the one server otherwise.
func forEachPrimary(ctx context.Context, rdb redis.UniversalClient, fn func(context.Context, *redis.Client) error) error {
	switch c := rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	default:
		return fmt.Errorf("unsupported Redis client %T", rdb)
	}
}

// infoField sums a numeric field of an INFO section over the primaries.
func infoField(ctx context.Context, rdb redis.UniversalClient, section string, fields ...string) (float64, error) {
	var mu sync.Mutex
	var sum float64
	err := forEachPrimary(ctx, rdb, func(ctx context.Context, c *redis.Client) error {
		s, err := c.Info(ctx, section).Result()
		if err != nil {
			return err
		}
		found := false
		for _, l := range strings.Split(s, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(l), ":")
			if !ok {
				continue
			}
			for _, f := range fields {
				if k == f {
					x, err := strconv.ParseFloat(v, 64)
					if err != nil {
						return fmt.Errorf("INFO %s %s: %w", section, k, err)
					}
					mu.Lock()
					sum += x
					mu.Unlock()
					found = true
				}
			}
		}
		if !found {
			return fmt.Errorf("no %v in INFO %s", fields, section)
		}
		return nil
	})
	return sum, err
}

// usedMemory is used_memory summed over the primaries.
func usedMemory(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	v, err := infoField(ctx, rdb, "memory", "used_memory")
	return int64(v), err
}

// redisCPU is the CPU seconds the primaries have used.
func redisCPU(ctx context.Context, rdb redis.UniversalClient) (float64, error) {
	return infoField(ctx, rdb, "cpu", "used_cpu_sys", "used_cpu_user")
}

// machineCPU is the busy CPU seconds of the whole machine so far, from
// /proc/stat (user, nice, system, irq, softirq and steal time; USER_HZ is
// 100 on Linux).
func machineCPU() (float64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, fmt.Errorf("unexpected /proc/stat: %q", line)
	}
	var ticks float64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, _ := strconv.ParseFloat(f[i], 64)
		ticks += v
	}
	return ticks / 100, nil
}
