// Package deploy_test checks the deployment files under deploy/ without
// Docker, kubectl or Prometheus: every YAML and JSON file parses, the compose
// files have their services and mount files that exist, kustomizations list
// files that exist, alert rules and the Grafana dashboard are complete and
// use only talentmatch's own and the standard metrics, copies of the NATS
// configuration have not drifted, and matchd is configured only through
// variables it reads. `make deploy-check` adds the checks that need the tools.
package deploy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// metrics are the talentmatch_ series matchd exports (README, Health and
// metrics). A typo in a rule or a panel otherwise shows only as an empty graph
// or an alert that never fires.
var metrics = map[string]bool{
	"talentmatch_events_total":                  true,
	"talentmatch_matches_published_total":       true,
	"talentmatch_dead_letters_total":            true,
	"talentmatch_events_in_flight":              true,
	"talentmatch_consumer_pending_messages":     true,
	"talentmatch_consumer_ack_pending_messages": true,
	"talentmatch_nats_connected":                true,
	"talentmatch_redis_up":                      true,
	"talentmatch_matches_held":                  true,
	"talentmatch_feedback_total":                true,
	"talentmatch_match_duration_seconds_bucket": true,
	"talentmatch_match_duration_seconds_sum":    true,
	"talentmatch_match_duration_seconds_count":  true,
	"talentmatch_query_duration_seconds_bucket": true,
	"talentmatch_query_duration_seconds_sum":    true,
	"talentmatch_query_duration_seconds_count":  true,
}

// readYAML decodes every document of a YAML file.
func readYAML(t *testing.T, path string) []any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

// readYAML1 decodes a single-document YAML file into a map.
func readYAML1(t *testing.T, path string) map[string]any {
	t.Helper()
	docs := readYAML(t, path)
	if len(docs) != 1 {
		t.Fatalf("%s: %d YAML documents, want 1", path, len(docs))
	}
	m, ok := docs[0].(map[string]any)
	if !ok {
		t.Fatalf("%s: top level is %T, want a mapping", path, docs[0])
	}
	return m
}

// get walks nested maps: get(m, "a", "b") is m["a"]["b"], nil if absent.
func get(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestEveryFileParses(t *testing.T) {
	n := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(path) {
		case ".yml", ".yaml":
			if len(readYAML(t, path)) == 0 {
				t.Errorf("%s: no YAML document", path)
			}
			n++
		case ".json":
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				t.Errorf("%s: %v", path, err)
			}
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 15 {
		t.Errorf("parsed only %d YAML and JSON files under deploy/", n)
	}
}

// envNames are the environment variables matchd reads, taken from the
// source of its configuration, so that a misspelt variable in a deployment
// file (silently ignored by matchd) fails here.
func envNames(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../internal/daemon/config.go")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`"([A-Z][A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
		names[m[1]] = true
	}
	for _, want := range []string{"NATS_URL", "REDIS_URL", "TALENTMATCH_STREAM_REPLICAS", "TALENTMATCH_REDIS_WAIT_REPLICAS"} {
		if !names[want] {
			t.Fatalf("config.go no longer reads %s: update the deployment files and this test", want)
		}
	}
	return names
}

type compose struct {
	file     string
	services map[string]any
}

func loadCompose(t *testing.T, path string) compose {
	t.Helper()
	doc := readYAML1(t, path)
	services, ok := doc["services"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no services", path)
	}
	return compose{file: path, services: services}
}

func (c compose) env(t *testing.T, service string) map[string]string {
	t.Helper()
	env := map[string]string{}
	switch e := get(c.services[service], "environment").(type) {
	case map[string]any:
		for k, v := range e {
			env[k] = str(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(str(kv), "=")
			env[k] = v
		}
	}
	return env
}

func TestCompose(t *testing.T) {
	known := envNames(t)
	for _, tc := range []struct {
		file     string
		services []string
	}{
		{"docker-compose.yml", []string{"grafana", "matchd-1", "matchd-2", "nats", "prometheus", "redis"}},
		{"cluster/docker-compose.yml", []string{"grafana", "matchd-1", "matchd-2", "matchd-3", "nats-1", "nats-2", "nats-3",
			"prometheus", "redis-1", "redis-2", "redis-3", "redis-4", "redis-5", "redis-6", "redis-cluster-init"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			c := loadCompose(t, tc.file)
			if got := keys(c.services); !slices.Equal(got, tc.services) {
				t.Errorf("services %v, want %v", got, tc.services)
			}
			dir := filepath.Dir(tc.file)
			for name, svc := range c.services {
				// Bind mounts and build contexts are relative to the compose
				// file; a wrong one makes Docker create an empty directory.
				for _, v := range list(get(svc, "volumes")) {
					src, _, _ := strings.Cut(str(v), ":")
					if strings.HasPrefix(src, ".") {
						if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
							t.Errorf("%s mounts %s: %v", name, src, err)
						}
					}
				}
				if b := str(get(svc, "build")); b != "" {
					if _, err := os.Stat(filepath.Join(dir, b, "Dockerfile")); err != nil {
						t.Errorf("%s builds %s: %v", name, b, err)
					}
				}
				if !strings.HasPrefix(name, "matchd") {
					continue
				}
				for k := range c.env(t, name) {
					if !known[k] {
						t.Errorf("%s sets %s, which matchd does not read (internal/daemon/config.go)", name, k)
					}
				}
			}
		})
	}

	t.Run("cluster settings", func(t *testing.T) {
		c := loadCompose(t, "cluster/docker-compose.yml")
		for _, name := range []string{"matchd-1", "matchd-2", "matchd-3"} {
			env := c.env(t, name)
			if urls := strings.Split(env["NATS_URL"], ","); len(urls) != 3 {
				t.Errorf("%s NATS_URL lists %d servers, want 3", name, len(urls))
			}
			if u := env["REDIS_URL"]; !strings.HasPrefix(u, "redis-cluster://") || strings.Count(u, "addr=") != 5 {
				t.Errorf("%s REDIS_URL %q: want redis-cluster:// with all six nodes", name, u)
			}
			if env["TALENTMATCH_STREAM_REPLICAS"] != "3" || env["TALENTMATCH_REDIS_WAIT_REPLICAS"] != "1" {
				t.Errorf("%s: want 3 stream replicas and 1 Redis wait replica, have %q and %q",
					name, env["TALENTMATCH_STREAM_REPLICAS"], env["TALENTMATCH_REDIS_WAIT_REPLICAS"])
			}
		}
		for _, name := range []string{"nats-1", "nats-2", "nats-3"} {
			cmd := strings.Join(toStrings(get(c.services[name], "command")), " ")
			for _, peer := range []string{"nats-1", "nats-2", "nats-3"} {
				if route := "nats://" + peer + ":6222"; !strings.Contains(cmd, route) {
					t.Errorf("%s does not route to %s: %s", name, route, cmd)
				}
			}
			if !strings.Contains(cmd, "--name "+name) {
				t.Errorf("%s is not named %s: %s", name, name, cmd)
			}
		}
		init := strings.Join(toStrings(get(c.services["redis-cluster-init"], "command")), " ")
		if !strings.Contains(init, "--cluster create") || !strings.Contains(init, "--cluster-replicas 1") || strings.Count(init, ":6379") < 6 {
			t.Errorf("redis-cluster-init does not create a cluster of six nodes with one replica per master:\n%s", init)
		}
		conf, err := os.ReadFile("cluster/redis/redis.conf")
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`(?m)^cluster-enabled yes$`).Match(conf) {
			t.Error("cluster/redis/redis.conf does not enable cluster mode")
		}
	})
}

func toStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, str(e))
		}
		return out
	}
	return nil
}

// TestPrometheusTargets: Prometheus scrapes exactly the matchd services of
// its compose file, and loads rule files that exist.
func TestPrometheusTargets(t *testing.T) {
	for _, tc := range []struct{ prom, compose, rules string }{
		{"prometheus/prometheus.yml", "docker-compose.yml", "prometheus"},
		{"cluster/prometheus/prometheus.yml", "cluster/docker-compose.yml", "prometheus"},
	} {
		cfg := readYAML1(t, tc.prom)
		for _, f := range list(cfg["rule_files"]) {
			if _, err := os.Stat(filepath.Join(tc.rules, str(f))); err != nil {
				t.Errorf("%s: rule file %s: %v", tc.prom, f, err)
			}
		}
		var targets []string
		for _, sc := range list(cfg["scrape_configs"]) {
			if str(get(sc, "job_name")) != "matchd" {
				continue
			}
			for _, st := range list(get(sc, "static_configs")) {
				targets = append(targets, toStrings(get(st, "targets"))...)
			}
		}
		var want []string
		for _, name := range keys(loadCompose(t, tc.compose).services) {
			if strings.HasPrefix(name, "matchd") {
				want = append(want, name+":8090")
			}
		}
		sort.Strings(targets)
		if !slices.Equal(targets, want) {
			t.Errorf("%s scrapes %v for job matchd; %s runs %v", tc.prom, targets, tc.compose, want)
		}
	}
}

type kobject struct {
	file string
	doc  map[string]any
}

// kustomize loads a kustomization's own files (not its bases) and checks
// that everything it lists exists.
func kustomize(t *testing.T, dir string) []kobject {
	t.Helper()
	k := readYAML1(t, filepath.Join(dir, "kustomization.yaml"))
	var objs []kobject
	for _, r := range list(k["resources"]) {
		p := filepath.Join(dir, str(r))
		st, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s/kustomization.yaml: resource %s: %v", dir, r, err)
			continue
		}
		if st.IsDir() {
			if _, err := os.Stat(filepath.Join(p, "kustomization.yaml")); err != nil {
				t.Errorf("%s/kustomization.yaml: %s is not a kustomization: %v", dir, r, err)
			}
			objs = append(objs, kustomize(t, p)...)
			continue
		}
		for _, d := range readYAML(t, p) {
			m, _ := d.(map[string]any)
			if str(m["kind"]) == "" || str(m["apiVersion"]) == "" || str(get(m, "metadata", "name")) == "" {
				t.Errorf("%s: a document without kind, apiVersion or metadata.name", p)
			}
			objs = append(objs, kobject{file: p, doc: m})
		}
	}
	for _, p := range list(k["patches"]) {
		if path := str(get(p, "path")); path != "" {
			if _, err := os.Stat(filepath.Join(dir, path)); err != nil {
				t.Errorf("%s/kustomization.yaml: patch %s: %v", dir, path, err)
			}
		}
	}
	for _, g := range list(k["configMapGenerator"]) {
		for _, f := range list(get(g, "files")) {
			_, src, ok := strings.Cut(str(f), "=")
			if !ok {
				src = str(f)
			}
			if _, err := os.Stat(filepath.Join(dir, src)); err != nil {
				t.Errorf("%s/kustomization.yaml: configMapGenerator file %s: %v", dir, src, err)
			}
		}
	}
	return objs
}

func find(objs []kobject, kind, name string) map[string]any {
	for _, o := range objs {
		if str(o.doc["kind"]) == kind && str(get(o.doc, "metadata", "name")) == name {
			return o.doc
		}
	}
	return nil
}

// containerEnv returns the env names of the named container of a pod spec.
func containerEnv(podSpec any, container string) []string {
	var names []string
	for _, c := range list(get(podSpec, "containers")) {
		if str(get(c, "name")) == container {
			for _, e := range list(get(c, "env")) {
				names = append(names, str(get(e, "name")))
			}
		}
	}
	return names
}

func TestKubernetes(t *testing.T) {
	known := envNames(t)
	base := kustomize(t, "k8s")
	dep := find(base, "Deployment", "matchd")
	if dep == nil {
		t.Fatal("deploy/k8s has no Deployment matchd")
	}
	if get(dep, "spec", "replicas") != nil {
		t.Error("the matchd Deployment sets replicas: the HorizontalPodAutoscaler owns the count")
	}
	if pdb := find(base, "PodDisruptionBudget", "matchd"); pdb == nil || get(pdb, "spec", "minAvailable") != 1 {
		t.Errorf("want a PodDisruptionBudget matchd with minAvailable 1, have %v", pdb)
	}
	hpa := find(base, "HorizontalPodAutoscaler", "matchd")
	if hpa == nil || str(hpa["apiVersion"]) != "autoscaling/v2" ||
		get(hpa, "spec", "minReplicas") != 2 || get(hpa, "spec", "maxReplicas") != 8 ||
		str(get(hpa, "spec", "scaleTargetRef", "name")) != "matchd" {
		t.Errorf("want an autoscaling/v2 HorizontalPodAutoscaler of matchd from 2 to 8, have %v", hpa)
	}
	for _, n := range containerEnv(get(dep, "spec", "template", "spec"), "matchd") {
		if !known[n] {
			t.Errorf("the matchd Deployment sets %s, which matchd does not read", n)
		}
	}

	cluster := kustomize(t, "k8s/cluster")
	sts := find(cluster, "StatefulSet", "nats")
	if sts == nil || get(sts, "spec", "replicas") != 3 || len(list(get(sts, "spec", "volumeClaimTemplates"))) == 0 {
		t.Errorf("want a StatefulSet nats of 3 with volume claims, have %v", sts)
	}
	if svc := find(cluster, "Service", "nats-headless"); svc == nil || str(get(svc, "spec", "clusterIP")) != "None" {
		t.Error("want a headless Service nats-headless for the routes")
	}
	patch := readYAML1(t, "k8s/cluster/matchd-patch.yaml")
	env := map[string]string{}
	for _, c := range list(get(patch, "spec", "template", "spec", "containers")) {
		for _, e := range list(get(c, "env")) {
			env[str(get(e, "name"))] = str(get(e, "value"))
		}
	}
	for n := range env {
		if !known[n] {
			t.Errorf("matchd-patch.yaml sets %s, which matchd does not read", n)
		}
	}
	if env["TALENTMATCH_STREAM_REPLICAS"] != "3" || env["TALENTMATCH_REDIS_WAIT_REPLICAS"] != "1" || len(strings.Split(env["NATS_URL"], ",")) != 3 {
		t.Errorf("matchd-patch.yaml: want 3 stream replicas, 1 Redis wait replica and 3 NATS servers, have %v", env)
	}
	if hpa := readYAML1(t, "k8s/cluster/hpa-patch.yaml"); get(hpa, "spec", "minReplicas") != 3 {
		t.Error("the cluster overlay should run at least 3 matchd")
	}
	values := readYAML1(t, "k8s/cluster/values-redis-cluster.yaml")
	if get(values, "cluster", "nodes") != 6 || get(values, "cluster", "replicas") != 1 {
		t.Error("values-redis-cluster.yaml: want 6 nodes, 1 replica per master")
	}
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func alertRules(t *testing.T) []rule {
	t.Helper()
	data, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []rule `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	var rules []rule
	for _, g := range f.Groups {
		if g.Name == "" {
			t.Error("a rule group without a name")
		}
		rules = append(rules, g.Rules...)
	}
	return rules
}

func TestAlertRules(t *testing.T) {
	rules := alertRules(t)
	seen := map[string]bool{}
	for _, r := range rules {
		if r.Alert == "" || r.Expr == "" || r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
			t.Errorf("rule %q: want alert, expr, for, labels.severity, annotations.summary and description", r.Alert)
		}
		if s := r.Labels["severity"]; s != "critical" && s != "warning" && s != "info" {
			t.Errorf("%s: severity %q", r.Alert, s)
		}
		if seen[r.Alert] {
			t.Errorf("alert %s defined twice", r.Alert)
		}
		seen[r.Alert] = true
		checkMetrics(t, "alert "+r.Alert, r.Expr)
	}
	// The brief of these rules: each condition has its alert.
	for _, want := range []string{"TalentmatchDown", "TalentmatchNATSDisconnected", "TalentmatchRedisDown", "TalentmatchConsumerLagHigh",
		"TalentmatchConsumerLagGrowing", "TalentmatchDeadLetters", "TalentmatchMatchLatencyHigh", "TalentmatchHighRetryRate"} {
		if !seen[want] {
			t.Errorf("no alert %s", want)
		}
	}
}

func TestDashboard(t *testing.T) {
	data, err := os.ReadFile("grafana/talentmatch-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID        string            `json:"uid"`
		Title      string            `json:"title"`
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" || len(d.Panels) == 0 {
		t.Fatalf("dashboard: uid %q, title %q, %d panels", d.UID, d.Title, len(d.Panels))
	}
	type panel struct {
		ID      int                `json:"id"`
		Type    string             `json:"type"`
		Title   string             `json:"title"`
		Panels  []json.RawMessage  `json:"panels"`
		GridPos struct{ X, W int } `json:"gridPos"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	ids := map[int]bool{}
	used := map[string]bool{}
	var walk func([]json.RawMessage)
	walk = func(raw []json.RawMessage) {
		for _, r := range raw {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatal(err)
			}
			if ids[p.ID] {
				t.Errorf("panel id %d used twice", p.ID)
			}
			ids[p.ID] = true
			if p.GridPos.W == 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("panel %q: gridPos x %d w %d outside the 24 columns", p.Title, p.GridPos.X, p.GridPos.W)
			}
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			if p.Title == "" || len(p.Targets) == 0 {
				t.Errorf("panel %d (%s) has no title or no query", p.ID, p.Type)
			}
			for _, tg := range p.Targets {
				if tg.Expr == "" {
					t.Errorf("panel %q: a target without expr", p.Title)
				}
				for _, m := range checkMetrics(t, "panel "+p.Title, tg.Expr) {
					used[m] = true
				}
			}
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q := str(v.Query)
		if q == "" {
			q = str(get(v.Query, "query"))
		}
		m := regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)`).FindStringSubmatch(q)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, q)
			continue
		}
		checkMetrics(t, "variable "+v.Name, m[1])
	}
	// Every series matchd exports has a panel (histograms via _bucket).
	for m := range metrics {
		if strings.HasSuffix(m, "_sum") || strings.HasSuffix(m, "_count") {
			continue
		}
		if !used[m] {
			t.Errorf("no panel shows %s", m)
		}
	}
}

var (
	reString   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`")
	reMatchers = regexp.MustCompile(`\{[^}]*\}`)
	reRange    = regexp.MustCompile(`\[[^\]]*\]`)
	reGrouping = regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	reToken    = regexp.MustCompile(`[0-9.]+(?:[eE][+-]?[0-9]+)?[a-zA-Z]*|[a-zA-Z_:][a-zA-Z0-9_:]*`)
	keywords   = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true,
		"without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// metricNames returns the metric names a PromQL expression selects: the
// identifiers left once strings, label matchers, ranges and grouping
// clauses are removed, that are neither keywords nor function calls.
func metricNames(expr string) []string {
	e := reString.ReplaceAllString(expr, `""`)
	e = reMatchers.ReplaceAllString(e, " ")
	e = reRange.ReplaceAllString(e, " ")
	e = reGrouping.ReplaceAllString(e, " ")
	var out []string
	for _, loc := range reToken.FindAllStringIndex(e, -1) {
		tok := e[loc[0]:loc[1]]
		if tok[0] == '.' || (tok[0] >= '0' && tok[0] <= '9') || keywords[strings.ToLower(tok)] {
			continue
		}
		if rest := strings.TrimLeft(e[loc[1]:], " \t\n"); strings.HasPrefix(rest, "(") {
			continue // a function
		}
		out = append(out, tok)
	}
	return out
}

func TestMetricNames(t *testing.T) {
	for expr, want := range map[string][]string{
		`sum by (le, type) (rate(talentmatch_match_duration_seconds_bucket{job=~"$job", outcome="a b"}[$__rate_interval]))`: {"talentmatch_match_duration_seconds_bucket"},
		`absent(up{job="matchd"} == 1)`:                                 {"up"},
		`max by (job) (deriv(x_y[10m])) > 5 and max by (job) (z) > 1e3`: {"x_y", "z"},
		`a / on(instance) group_left(version) b offset 5m`:              {"a", "b"},
	} {
		if got := metricNames(expr); !slices.Equal(got, want) {
			t.Errorf("metricNames(%q) = %v, want %v", expr, got, want)
		}
	}
}

// checkMetrics fails on a metric that is neither talentmatch's (by its exact
// name) nor a standard Go, process or up series; it returns those found.
func checkMetrics(t *testing.T, where, expr string) []string {
	t.Helper()
	names := metricNames(expr)
	if len(names) == 0 {
		t.Errorf("%s: no metric in %q", where, expr)
	}
	for _, m := range names {
		switch {
		case strings.HasPrefix(m, "talentmatch_"):
			if !metrics[m] {
				t.Errorf("%s: %s is not a metric matchd exports", where, m)
			}
		case strings.HasPrefix(m, "process_"), strings.HasPrefix(m, "go_"), m == "up":
		default:
			t.Errorf("%s: unexpected metric %s", where, m)
		}
	}
	return names
}

// TestNATSConfigsInSync: the cluster configurations keep the single
// server's accounts, users and permissions (which
// internal/natsserver/permissions_test.go checks) byte for byte, and the
// Kubernetes copy equals the compose one (kustomize reads no file outside
// its folder, hence the copy).
func TestNATSConfigsInSync(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	accounts := func(p string) string {
		s := read(p)
		i := strings.Index(s, "MATCHER = {")
		if i < 0 {
			t.Fatalf("%s: no MATCHER permissions", p)
		}
		return s[i:]
	}
	single := accounts("nats/nats-server.conf")
	if got := accounts("cluster/nats/nats-server.conf"); got != single {
		t.Error("cluster/nats/nats-server.conf: accounts and users differ from nats/nats-server.conf; copy them over")
	}
	if read("k8s/cluster/nats-server.conf") != read("cluster/nats/nats-server.conf") {
		t.Error("k8s/cluster/nats-server.conf differs from cluster/nats/nats-server.conf; copy it over")
	}
	if c := read("cluster/nats/nats-server.conf"); !strings.Contains(c, "cluster {") || !strings.Contains(c, "jetstream {") {
		t.Error("cluster/nats/nats-server.conf: want a cluster block and JetStream")
	}
}

// TestRedisConfs: redis.conf has no trailing comments; redis-server refuses
// to start on "protected-mode no  # ...".
func TestRedisConfs(t *testing.T) {
	trailing := regexp.MustCompile(`^\s*[^#\s].*\s#`)
	for _, p := range []string{"redis/redis.conf", "cluster/redis/redis.conf"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if trailing.MatchString(line) {
				t.Errorf("%s:%d: a comment after a directive: %q", p, i+1, line)
			}
		}
	}
}

// TestGrafanaProvisioning: the datasource points at the compose Prometheus
// and the dashboard provider at the folder the compose files mount the
// dashboard into.
func TestGrafanaProvisioning(t *testing.T) {
	ds := readYAML1(t, "grafana/provisioning/datasources/prometheus.yml")
	if u := str(get(list(ds["datasources"])[0], "url")); u != "http://prometheus:9090" {
		t.Errorf("datasource url %q", u)
	}
	prov := readYAML1(t, "grafana/provisioning/dashboards/talentmatch.yml")
	dir := str(get(list(prov["providers"])[0], "options", "path"))
	for _, f := range []string{"docker-compose.yml", "cluster/docker-compose.yml"} {
		c := loadCompose(t, f)
		found := false
		for _, v := range list(get(c.services["grafana"], "volumes")) {
			src, dst, _ := strings.Cut(str(v), ":")
			if strings.HasSuffix(src, "grafana/talentmatch-dashboard.json") && strings.HasPrefix(dst, dir+"/") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: grafana does not mount the dashboard under %s", f, dir)
		}
	}
}
