package redisserver

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterOptions configures a Redis Cluster of child processes.
type ClusterOptions struct {
	// Dir holds one data directory per node. Required.
	Dir string
	// Masters is the number of primaries. Default 3 (the fewest
	// redis-cli --cluster create accepts).
	Masters int
	// Replicas is the number of replicas of each primary.
	Replicas int
	// AppendOnly turns on AOF persistence on every node.
	AppendOnly bool
	// NodeTimeout is cluster-node-timeout: how long a node may be
	// unreachable before its replica takes over. Default 2s.
	NodeTimeout time.Duration
	// ReadyTimeout bounds the wait for cluster_state:ok. Default 60s.
	ReadyTimeout time.Duration
}

// Cluster is a running Redis Cluster.
type Cluster struct {
	// Nodes are the servers, primaries first as created.
	Nodes []*Server
	// Addrs are their host:port addresses, in the same order.
	Addrs []string
}

// StartCluster starts Masters×(1+Replicas) redis-server nodes with
// cluster-enabled, joins them with redis-cli --cluster create and waits
// until every node reports cluster_state:ok.
func StartCluster(ctx context.Context, o ClusterOptions) (*Cluster, error) {
	if o.Masters == 0 {
		o.Masters = 3
	}
	if o.NodeTimeout == 0 {
		o.NodeTimeout = 2 * time.Second
	}
	if o.ReadyTimeout == 0 {
		o.ReadyTimeout = 60 * time.Second
	}
	if _, err := exec.LookPath("redis-cli"); err != nil {
		return nil, fmt.Errorf("redis cluster: redis-cli is needed to create it (on Debian: apt-get install -y redis-tools): %w", err)
	}
	c := &Cluster{}
	for i := 0; i < o.Masters*(1+o.Replicas); i++ {
		s, err := Start(ctx, Options{Dir: filepath.Join(o.Dir, fmt.Sprint("node", i)), AppendOnly: o.AppendOnly,
			Args: []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", fmt.Sprint(o.NodeTimeout.Milliseconds())}})
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("redis cluster node %d: %w", i, err)
		}
		c.Nodes, c.Addrs = append(c.Nodes, s), append(c.Addrs, s.Addr())
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", fmt.Sprint(o.Replicas), "--cluster-yes")
	if out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, tail(out, 800))
	}
	if err := WaitClusterOK(ctx, c.Addrs, o.ReadyTimeout); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.waitReplicas(ctx, o.Replicas, o.ReadyTimeout); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// waitReplicas waits until every primary has n replicas online (their
// first sync done), so that WAIT succeeds from the first write.
func (c *Cluster) waitReplicas(ctx context.Context, n int, d time.Duration) error {
	if n == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs})
	defer cc.Close()
	for {
		err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			info, err := m.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if online := strings.Count(info, "state=online"); online < n {
				return fmt.Errorf("%s has %d of %d replicas online", m.Options().Addr, online, n)
			}
			return nil
		})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("redis cluster replicas: %w", err)
		case <-time.After(100 * time.Millisecond): // replication state is polled: Redis announces no event
		}
	}
}

// URL is the cluster as matchd's REDIS_URL.
func (c *Cluster) URL() string { return ClusterURL(c.Addrs) }

// Stop stops every node.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		_ = n.Stop()
	}
}

// ClusterURL is matchd's REDIS_URL for a cluster of addrs.
func ClusterURL(addrs []string) string {
	return "redis-cluster://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
}

// WaitClusterOK waits until every reachable node of addrs reports
// cluster_state:ok; nodes that do not answer (killed) are skipped.
func WaitClusterOK(ctx context.Context, addrs []string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	clients := make([]*redis.Client, len(addrs))
	for i, a := range addrs {
		clients[i] = redis.NewClient(&redis.Options{Addr: a, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
		defer clients[i].Close()
	}
	for {
		ok := true
		for _, c := range clients {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && !strings.Contains(info, "cluster_state:ok") {
				ok = false
			}
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("the Redis cluster did not reach cluster_state:ok")
		case <-time.After(100 * time.Millisecond): // cluster state is polled: Redis announces no event
		}
	}
}
