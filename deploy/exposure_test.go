package deploy_test

import (
	"strings"
	"testing"
)

// TestOperationsStayInternal: every deployment serves the query API (bearer
// tokens) and the operations endpoints (/metrics, probes) on separate
// addresses; compose publishes only the API, on the host's loopback; the
// Kubernetes Service exposes only the API; the API's token keys are set.
func TestOperationsStayInternal(t *testing.T) {
	for _, file := range []string{"docker-compose.yml", "cluster/docker-compose.yml"} {
		c := loadCompose(t, file)
		for name := range c.services {
			if !strings.HasPrefix(name, "matchd") {
				continue
			}
			env := c.env(t, name)
			if env["TALENTMATCH_HTTP_ADDR"] == "" || env["TALENTMATCH_API_ADDR"] == "" || env["TALENTMATCH_HTTP_ADDR"] == env["TALENTMATCH_API_ADDR"] {
				t.Errorf("%s %s: operations %q and API %q addresses must both be set and differ", file, name, env["TALENTMATCH_HTTP_ADDR"], env["TALENTMATCH_API_ADDR"])
			}
			if env["TALENTMATCH_API_KEYS"] == "" {
				t.Errorf("%s %s: no TALENTMATCH_API_KEYS: the API would trust a key made in the container", file, name)
			}
			for _, p := range toStrings(get(c.services[name], "ports")) {
				if !strings.HasPrefix(p, "127.0.0.1:") || !strings.HasSuffix(p, ":8091") {
					t.Errorf("%s %s publishes %q: want only the API (8091), on 127.0.0.1", file, name, p)
				}
			}
		}
	}
	objs := kustomize(t, "k8s/base")
	svc := find(objs, "Service", "matchd")
	if svc == nil {
		t.Fatal("k8s/base: no Service matchd")
	}
	for _, p := range list(get(svc, "spec", "ports")) {
		if str(get(p, "targetPort")) != "api" {
			t.Errorf("k8s/base Service matchd exposes %v: want the API port only", p)
		}
	}
	dep := find(objs, "Deployment", "matchd")
	env := map[string]bool{}
	for _, c := range list(get(dep, "spec", "template", "spec", "containers")) {
		for _, e := range list(get(c, "env")) {
			env[str(get(e, "name"))] = true
		}
	}
	for _, want := range []string{"TALENTMATCH_HTTP_ADDR", "TALENTMATCH_API_ADDR", "TALENTMATCH_API_KEYS"} {
		if !env[want] {
			t.Errorf("k8s/base Deployment matchd does not set %s", want)
		}
	}
}
