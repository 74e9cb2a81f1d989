package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/redis/go-redis/v9"
)

// Ceilings are what the machine itself manages, measured in the same run
// with the same servers.
type Ceilings struct {
	// JetStreamConsumeAck is msg/s pulled from a file-backed stream and
	// acknowledged, one consumer.
	JetStreamConsumeAck float64 `json:"jetstream_consume_ack_msgs_per_second"`
	// BarePipeline is msg/s through pull → one pipelined Redis round trip →
	// publish to a stream and wait for its ack → ack, with as many workers
	// as matchd has.
	BarePipeline float64 `json:"bare_pipeline_msgs_per_second"`
	// RedisPipelined is Redis commands/s in pipelines of 1,000.
	RedisPipelined float64 `json:"redis_pipelined_ops_per_second"`
}

// publishN fills a stream with n small messages.
func publishN(ctx context.Context, js jetstream.JetStream, subject string, n int) error {
	body := make([]byte, 200)
	for i := 0; i < n; i++ {
		if _, err := js.PublishAsync(subject, body); err != nil {
			return err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// MeasureCeilings runs the three ceiling measurements.
func MeasureCeilings(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, rdb redis.UniversalClient, workers, n int) (Ceilings, error) {
	var c Ceilings
	var err error
	if c.JetStreamConsumeAck, err = consumeAck(ctx, js, n); err != nil {
		return c, fmt.Errorf("jetstream ceiling: %w", err)
	}
	if c.BarePipeline, err = barePipeline(ctx, js, rdb, workers, n); err != nil {
		return c, fmt.Errorf("pipeline ceiling: %w", err)
	}
	if c.RedisPipelined, err = redisPipelined(ctx, rdb); err != nil {
		return c, fmt.Errorf("redis ceiling: %w", err)
	}
	return c, nil
}

func scratchStream(ctx context.Context, js jetstream.JetStream, name string, subjects ...string) (jetstream.Stream, func(), error) {
	_ = js.DeleteStream(ctx, name)
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: subjects, Storage: jetstream.FileStorage})
	if err != nil {
		return nil, nil, err
	}
	return s, func() { _ = js.DeleteStream(context.WithoutCancel(ctx), name) }, nil
}

func consumeAck(ctx context.Context, js jetstream.JetStream, n int) (float64, error) {
	s, drop, err := scratchStream(ctx, js, "BENCH_CEIL", "bench.ceil")
	if err != nil {
		return 0, err
	}
	defer drop()
	if err := publishN(ctx, js, "bench.ceil", n); err != nil {
		return 0, err
	}
	cons, err := s.CreateConsumer(ctx, jetstream.ConsumerConfig{AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 4096})
	if err != nil {
		return 0, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	start := time.Now()
	for i := 0; i < n; i++ {
		m, err := next(it)
		if err != nil {
			return 0, err
		}
		if err := m.Ack(); err != nil {
			return 0, err
		}
	}
	// The last acks are asynchronous: wait until the server has them all.
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			return 0, err
		}
		if info.AckFloor.Stream >= uint64(n) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func barePipeline(ctx context.Context, js jetstream.JetStream, rdb redis.UniversalClient, workers, n int) (float64, error) {
	in, dropIn, err := scratchStream(ctx, js, "BENCH_PIPE_IN", "bench.pipe.in")
	if err != nil {
		return 0, err
	}
	defer dropIn()
	_, dropOut, err := scratchStream(ctx, js, "BENCH_PIPE_OUT", "bench.pipe.out")
	if err != nil {
		return 0, err
	}
	defer dropOut()
	if err := publishN(ctx, js, "bench.pipe.in", n); err != nil {
		return 0, err
	}
	cons, err := in.CreateConsumer(ctx, jetstream.ConsumerConfig{AckPolicy: jetstream.AckExplicitPolicy, MaxAckPending: 512})
	if err != nil {
		return 0, err
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(workers * 2))
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	var done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	ch := make(chan jetstream.Msg, workers)
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() { // exits when ch is closed
			defer wg.Done()
			for m := range ch {
				meta, _ := m.Metadata()
				k := "benchpipe:" + strconv.FormatUint(meta.Sequence.Stream%1000, 10)
				_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
					p.HSet(ctx, k, "v", meta.Sequence.Stream)
					p.SAdd(ctx, k+":s", meta.Sequence.Stream%97)
					p.HIncrBy(ctx, "benchpipe:n", "c", 1)
					return nil
				})
				if err == nil {
					_, err = js.Publish(ctx, "bench.pipe.out", m.Data())
				}
				if err == nil {
					err = m.Ack()
				}
				if err != nil {
					once.Do(func() { firstErr = err })
				}
				done.Add(1)
			}
		}()
	}
	for i := 0; i < n; i++ {
		m, err := next(it)
		if err != nil {
			close(ch)
			wg.Wait()
			return 0, err
		}
		ch <- m
	}
	close(ch)
	wg.Wait()
	el := time.Since(start)
	rdb.Del(ctx, "benchpipe:n")
	for i := 0; i < 1000; i++ {
		k := "benchpipe:" + strconv.Itoa(i)
		rdb.Del(ctx, k, k+":s")
	}
	return float64(n) / el.Seconds(), firstErr
}

// next returns the next message, riding out missed heartbeats: on a
// saturated machine the server's idle heartbeat can arrive late.
func next(it jetstream.MessagesContext) (jetstream.Msg, error) {
	for tries := 0; ; tries++ {
		m, err := it.Next()
		if errors.Is(err, jetstream.ErrNoHeartbeat) && tries < 10 {
			continue
		}
		return m, err
	}
}

func redisPipelined(ctx context.Context, rdb redis.UniversalClient) (float64, error) {
	const batch = 1000
	ops := 0
	start := time.Now()
	for time.Since(start) < 2*time.Second {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := 0; i < batch/2; i++ {
				k := "benchredis:" + strconv.Itoa(i%100)
				p.Set(ctx, k, i, 0)
				p.Get(ctx, k)
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		ops += batch
	}
	rate := float64(ops) / time.Since(start).Seconds()
	for i := 0; i < 100; i++ {
		rdb.Del(ctx, "benchredis:"+strconv.Itoa(i))
	}
	return rate, nil
}
