//go:build chaos

package chaos

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/talentmatch/talentmatch/internal/testenv"
)

// redisCluster starts a Redis Cluster of 3 masters with one replica each
// and wraps its nodes so that they can be restarted.
func redisCluster(t *testing.T) ([]*redisProc, []string) {
	t.Helper()
	srvs, addrs := testenv.RedisCluster(t, 3, 1)
	nodes := make([]*redisProc, len(srvs))
	for i, s := range srvs {
		nodes[i] = &redisProc{srv: s}
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.srv.Stop() // restarted nodes are not the ones testenv stops
		}
	})
	return nodes, addrs
}

// masterIndex returns the index of a node that is a master with slots.
func masterIndex(t *testing.T, addrs []string) int {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addrs[0]})
	defer c.Close()
	s, err := c.ClusterNodes(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(s, "\n") {
		f := strings.Fields(l)
		if len(f) > 8 && strings.Contains(f[2], "master") && !strings.Contains(f[2], "fail") {
			addr := strings.Split(f[1], "@")[0]
			for i, a := range addrs {
				if a == addr && i != 0 {
					return i
				}
			}
		}
	}
	t.Fatal("no master found")
	return -1
}

// TestCluster runs the workload on a 3-master Redis Cluster, a 3-node NATS
// cluster with R3 streams and 3 matchd replicas, and kills one NATS server,
// one Redis master and one matchd on the way.
func TestCluster(t *testing.T) {
	w := newWorkload(43)
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	matchdBin := build(t, bin, "github.com/talentmatch/talentmatch/cmd/matchd", "matchd")
	natsBin := build(t, bin, "github.com/nats-io/nats-server/v2", "nats-server")
	logf, err := os.CreateTemp("", "talentmatch-cluster-*.log")
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	t.Logf("server and matchd logs (matchd at debug: every event handled): %s", logf.Name())

	nodes, addrs := redisCluster(t)

	// NATS: three servers routed to each other, JetStream on disk.
	var natsProcs []*proc
	var clientURLs, routes []string
	var ports, cports []int
	for i := 0; i < 3; i++ {
		ports, cports = append(ports, freePort(t)), append(cports, freePort(t))
		clientURLs = append(clientURLs, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", cports[i]))
	}
	for i := 0; i < 3; i++ {
		p := &proc{name: fmt.Sprint("nats", i), bin: natsBin, log: logf, args: []string{"-a", "127.0.0.1", "-p", fmt.Sprint(ports[i]),
			"-js", "-sd", filepath.Join(dir, fmt.Sprint("nats", i)), "-n", fmt.Sprint("n", i), "--cluster_name", "talent",
			"--cluster", routes[i], "--routes", strings.Join(routes, ",")}}
		p.start(t)
		natsProcs = append(natsProcs, p)
	}
	t.Cleanup(func() {
		for _, p := range natsProcs {
			p.term()
		}
	})
	for _, u := range clientURLs {
		waitNATS(t, u, 30*time.Second)
	}
	redisURL := testenv.ClusterURL(addrs)
	var matchd []*proc
	for i := 0; i < 3; i++ {
		addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		p := &proc{name: fmt.Sprint("matchd", i), bin: matchdBin, log: logf, args: []string{
			"-nats-url", strings.Join(clientURLs, ","), "-redis-url", redisURL, "-http-addr", addr, "-api-addr", "-",
			"-data-dir", filepath.Join(dir, fmt.Sprint("m", i)), "-shards", fmt.Sprint(shards), "-stream-replicas", "3",
			"-redis-wait-replicas", "1", "-top-k", "1000", "-max-matches-per-job-per-hour", "0", "-max-matches-per-candidate-per-day", "0", "-ack-wait", "3s", "-retry-backoff", "200ms,500ms,1s,2s",
			"-max-deliver", "1000", "-workers", "32", "-log-level", "debug"}}
		p.start(t)
		matchd = append(matchd, p)
		waitHTTP(t, "http://"+addr+"/readyz", 90*time.Second)
	}
	t.Cleanup(func() {
		for _, m := range matchd {
			m.term()
		}
	})

	d := newDriver(t, w, strings.Join(clientURLs, ","))
	d.logPath = logf.Name()
	faults, took := d.run(func(since func() time.Duration) []fault {
		var faults []fault
		time.Sleep(4 * time.Second)
		at := since()
		natsProcs[1].kill()
		faults = append(faults, fault{name: "SIGKILL one NATS server", at: at, recoveryMS: d.probe()})
		natsProcs[1].start(t)

		time.Sleep(3 * time.Second)
		m := masterIndex(t, addrs)
		at = since()
		nodes[m].srv.Kill()
		rest := append(append([]string(nil), addrs[:m]...), addrs[m+1:]...)
		testenv.WaitClusterOK(t, rest, 60*time.Second) // its replica took over
		nodes[m].restart(t)                            // back as a replica of the new master
		faults = append(faults, fault{name: "SIGKILL one Redis master, restart", at: at, recoveryMS: d.probe(),
			note: "its replica takes over; the old master rejoins as a replica"})

		time.Sleep(3 * time.Second)
		at = since()
		matchd[2].kill()
		faults = append(faults, fault{name: "SIGKILL one matchd", at: at, recoveryMS: d.probe()})
		matchd[2].start(t)
		return faults
	})
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer rdb.Close()
	d.report("cluster suite (3-master Redis Cluster, 3 NATS servers, 3 matchd)", faults, took, d.check(rdb), "talentmatch-cluster-report.txt")
}
