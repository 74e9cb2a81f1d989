package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/redisserver"
)

// RedisCluster starts masters*(1+replicas) redis-server nodes with AOF and
// joins them with redis-cli --cluster create: masters primaries with
// replicas replicas each. It returns the nodes (for faults) and their
// addresses once every node reports cluster_state:ok.
func RedisCluster(t testing.TB, masters, replicas int) ([]*redisserver.Server, []string) {
	t.Helper()
	c, err := redisserver.StartCluster(context.Background(), redisserver.ClusterOptions{
		Dir: t.TempDir(), Masters: masters, Replicas: replicas, AppendOnly: true})
	if err != nil {
		t.Fatalf("start a Redis Cluster for the test (needs redis-server and redis-cli): %v", err)
	}
	t.Cleanup(c.Stop)
	return c.Nodes, c.Addrs
}

// WaitClusterOK waits until every reachable node of addrs reports
// cluster_state:ok; nodes that do not answer (killed) are skipped.
func WaitClusterOK(t testing.TB, addrs []string, d time.Duration) {
	t.Helper()
	if err := redisserver.WaitClusterOK(context.Background(), addrs, d); err != nil {
		t.Fatal(err)
	}
}

// ClusterURL is matchd's REDIS_URL for a cluster of addrs.
func ClusterURL(addrs []string) string { return redisserver.ClusterURL(addrs) }

// Sentinel starts a redis-server in Sentinel mode monitoring the primary
// at primaryAddr as master name and returns its address.
func Sentinel(t testing.TB, name, primaryAddr string) string {
	t.Helper()
	port, err := redisserver.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	host, pport, _ := strings.Cut(primaryAddr, ":")
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 1000\n",
		port, dir, name, host, pport, name)
	path := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", path, "--sentinel")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	c := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer c.Close()
	for deadline := time.Now().Add(20 * time.Second); ; {
		if a, err := c.GetMasterAddrByName(context.Background(), name).Result(); err == nil && len(a) == 2 {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatal("redis sentinel did not start monitoring the primary")
		}
		time.Sleep(50 * time.Millisecond) // polling a child process's readiness
	}
}
