# talentmatch — see README.md.
GO      ?= go
SHARED  ?= ../shared/data
export PATH := $(PATH):/usr/local/go/bin

TIER    ?= campaign

.PHONY: all build run demo test chaos bench bench-load vet fmt taxonomy clean

all: build

build:
	$(GO) build -o bin/ ./cmd/...

## run: start matchd (embedded NATS unless NATS_URL is set; Redis at REDIS_URL, 127.0.0.1:6379 or a private redis-server)
run:
	$(GO) run ./cmd/matchd

## demo: start matchd on its embedded defaults and play the bundled "Remain in Zhongguancun" campaign through it
demo:
	$(GO) run ./cmd/matchctl demo

## test: the whole test suite (real redis-server children and embedded NATS; race detector on)
test: vet
	$(GO) test -race -count=1 -timeout 15m ./...

## chaos: the fault suite (real nats-server, redis-server and two matchd processes, killed, restarted and paused)
chaos:
	$(GO) test -tags chaos -count=1 -timeout 10m -v -run TestChaos ./internal/chaos/

## bench: Go benchmarks of normalisation, scoring and retrieval (with allocation counts)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./matcher/...

## bench-load: the load benchmark against a matchd child on NATS and Redis it starts (TIER=campaign|city|burst)
bench-load: build
	bin/matchctl bench --embedded --tier $(TIER) --out bench-$(TIER).json

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w .

## taxonomy: regenerate matcher/taxonomy/taxonomy.tsv.gz from the open data and the curated tables
taxonomy:
	$(GO) run ./matcher/taxonomy/gen -shared $(SHARED)

clean:
	rm -rf bin data
