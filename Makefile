# talentmatch — see README.md.
GO      ?= go
SHARED  ?= ../shared/data
export PATH := $(PATH):/usr/local/go/bin

TIER    ?= campaign

.PHONY: all setup build run demo test chaos cluster-test bench bench-load bench-replicas vet fmt taxonomy clean

all: build

## setup: install what is missing (internal/dev/setup.sh: apt-get as root, else it prints the command); demo, test, chaos and cluster-test run it first
SETUP_FOR ?= test
setup:
	@bash internal/dev/setup.sh $(SETUP_FOR)

build:
	$(GO) build -o bin/ ./cmd/...

## run: start matchd (embedded NATS unless NATS_URL is set; Redis at REDIS_URL, 127.0.0.1:6379 or a private redis-server)
run:
	$(GO) run ./cmd/matchd

## demo: start matchd on its embedded defaults and play the bundled "Remain in Zhongguancun" campaign through it
demo: SETUP_FOR = demo
demo: setup
	@echo "building matchctl (the first build compiles everything: about a minute)"
	$(GO) build -o bin/ ./cmd/matchctl
	bin/matchctl demo

## test: the whole test suite (real redis-server children and embedded NATS; race detector on)
test: setup vet
	@echo "running the test suite (a first run compiles it first: several minutes without output)"
	$(GO) test -race -count=1 -timeout 15m ./...

## chaos: the fault suite (real nats-server, redis-server and two matchd processes, killed, restarted and paused)
chaos: setup
	$(GO) test -tags chaos -count=1 -timeout 10m -v -run 'TestChaos$$' ./internal/chaos/

## cluster-test: 3-master Redis Cluster, 3-node NATS cluster, 3 matchd; one of each killed during the workload
cluster-test: setup
	$(GO) test -tags chaos -count=1 -timeout 10m -v -run TestCluster ./internal/chaos/

## bench: Go benchmarks of normalisation, scoring and retrieval (with allocation counts)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./matcher/...

## bench-load: the load benchmark against a matchd child on NATS and Redis it starts (TIER=campaign|city|burst)
bench-load: build
	bin/matchctl bench --embedded --tier $(TIER) --out bench-$(TIER).json

## bench-replicas: the load benchmark on a 3-server NATS cluster (R3) and a 3-primary Redis Cluster with 1, 2 and 3 matchd replicas
bench-replicas: build
	for n in 1 2 3; do bin/matchctl bench --embedded --cluster --replicas $$n --ceilings=false --tier $(TIER) --out bench-cluster-$(TIER)-r$$n.json || exit 1; done

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w .

## taxonomy: regenerate matcher/taxonomy/taxonomy.tsv.gz (and its ESCO id table esco.tsv.gz) from the open data and the curated tables
taxonomy:
	$(GO) run ./matcher/taxonomy/gen -shared $(SHARED)
	$(GO) run ./matcher/taxonomy/escogen -shared $(SHARED)

clean:
	rm -rf bin data

## deploy-check: validate deploy/: both compose files, both kustomize builds, the alert rules (promtool) and NATS configurations (nats-server -t) where installed, and go test ./deploy/
.PHONY: deploy-check
deploy-check:
	@docker compose version >/dev/null 2>&1 || { echo "deploy-check needs the docker compose plugin"; exit 1; }
	docker compose --env-file deploy/.env.example -f deploy/docker-compose.yml config -q
	docker compose --env-file deploy/.env.example -f deploy/cluster/docker-compose.yml config -q
	kubectl kustomize deploy/k8s >/dev/null
	kubectl kustomize deploy/k8s/cluster >/dev/null
	@if command -v promtool >/dev/null 2>&1; then \
		promtool check config deploy/prometheus/prometheus.yml && \
		promtool check config --syntax-only deploy/cluster/prometheus/prometheus.yml && \
		promtool test rules deploy/prometheus/alerts_test.yml; \
	else echo "promtool not installed: alert rules not checked (apt-get install prometheus)"; fi
	@if command -v nats-server >/dev/null 2>&1; then \
		set -a; . deploy/.env.example; set +a; \
		nats-server -c deploy/nats/nats-server.conf -t && \
		nats-server -c deploy/cluster/nats/nats-server.conf -t; \
	else echo "nats-server not installed: NATS configurations not checked"; fi
	$(GO) test -count=1 ./deploy/
