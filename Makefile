# Agent Arena — the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
BIN      ?= bin
PKGS     ?= ./...
BENCHTIME ?= 3s

.PHONY: run test build bench lint fmt vet cluster-bench clean

## run: start a single node with ./data (honours ARENA_* variables, e.g. ARENA_HTTP_ADDR)
run:
	$(GO) run ./cmd/arena serve

## test: the whole suite, with the race detector; one package at a time,
## because the cluster tests time Raft elections and two race-instrumented
## packages at once starve a two-core machine
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 -p 1 -timeout 20m $(PKGS)

## build: the binaries into ./bin
build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

## bench: Go micro-benchmarks, then replicated throughput/latency on loopback TCP
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./cmd/arena-bench -duration $(BENCHTIME)

## lint: formatting and vet
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w .

clean:
	rm -rf $(BIN) data
