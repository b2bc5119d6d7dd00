# Agent Arena — the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
BIN      ?= bin
PKGS     ?= ./...
BENCHTIME ?= 3s
NODES    ?= 3
CHAOSTIME ?= 5m
CHAOSFLAGS ?=
FUZZTIME ?= 10s
FUZZFLAGS ?=
LOADRUNS ?= 20
LOADPKGS ?= ./arena/... ./web ./cmd/arena
LOADFLAGS ?= -race

.PHONY: run test browser-deps build bench bench-train lint fmt vet cluster-bench clean fuzz fuzz-seeds
.PHONY: cuda-deps cuda-nvcc cuda-ptx vet-cuda trainer-cuda test-cuda test-cuda-emu emu-deps gpu-bundle
.PHONY: cluster chaos screenshots alerts test-under-load bench-vs-etcd bench-agents bench-catchup upgrade-check

## run: start a single node with ./data (honours ARENA_* variables, e.g. ARENA_HTTP_ADDR)
run:
	$(GO) run ./cmd/arena serve

## test: the whole suite, with the race detector; one package at a time,
## because the cluster tests time Raft elections and two race-instrumented
## packages at once starve a two-core machine. Installs Chromium first when
## the browser tests need it (browser-deps). A failing run repeats what
## failed at its end (scripts/go-test.sh), for logs read from the tail.
test: browser-deps
	$(GO) vet $(PKGS)
	GO="$(GO)" sh scripts/go-test.sh -race -count=1 -p 1 -timeout 20m $(PKGS)

## browser-deps: headless Chromium for the browser tests (installed with
## apt-get when missing; ARENA_CHROMIUM names another binary,
## ARENA_SKIP_BROWSER=1 skips them); stops with what to do when it cannot
browser-deps:
	@sh scripts/browser-deps.sh

## test-under-load: the Raft packages' tests (LOADPKGS) LOADRUNS times in a
## row (default 20) with two busy loops beside them, as on a shared two-core
## CI machine; stops at the first failing run (LOADFLAGS default -race)
test-under-load: browser-deps
	GO="$(GO)" RUNS="$(LOADRUNS)" PKGS="$(LOADPKGS)" FLAGS="$(LOADFLAGS)" sh scripts/test-under-load.sh

## build: the binaries into ./bin
build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/ ./cmd/...

## fuzz: every fuzz target, one after the other, for FUZZTIME each
## (make fuzz FUZZTIME=60s); `make test` already runs their seed corpora
## (testdata/fuzz). A failure leaves the input under testdata/fuzz: fix
## the bug and commit the file, so the finding stays a seed case.
fuzz:
	GO="$(GO)" FUZZTIME="$(FUZZTIME)" FUZZFLAGS="$(FUZZFLAGS)" sh scripts/fuzz.sh

## fuzz-seeds: rewrite the seed corpora from the seeds the targets list
fuzz-seeds:
	FUZZ_WRITE_SEEDS=1 $(GO) test -count=1 -run '^Fuzz' $(PKGS)

## bench-vs-etcd: 3 etcd members and 3 arena nodes on loopback, driven by
## one HTTP/1.1 load generator (cmd/arena-load): etcd's JSON-gateway puts
## against arena grants and agent updates, 32 and 1,000 clients, interleaved
## rounds; installs Debian's etcd-server when etcd is missing. CLIENTS,
## DURATION, WARMUP, ROUNDS, TARGETS as in scripts/bench-vs-etcd.sh
## (TARGETS=etcd,etcd-grpc,grant,agent adds etcd's gRPC API through its
## client library, tools/etcdload)
bench-vs-etcd:
	GO="$(GO)" BIN="$(BIN)" sh scripts/bench-vs-etcd.sh

## bench-agents: AGENTS (default 100) websocket agents, each with its own
## key and connection, play connect4 against each other with no think time
## on 3 local nodes (arena-bench -op agents): moves/s and move round trips;
## SPECTATORS watch the live feed or (SPECTATE=contest|both) contest streams
bench-agents:
	GO="$(GO)" BIN="$(BIN)" sh scripts/bench-agents.sh

## bench-catchup: catch-up of a follower paused PAUSE (60s) under a grant
## load, and of a wiped, re-added member, with the default snapshot
## settings; state bytes per transfer and one snapshot's size and time
bench-catchup:
	GO="$(GO)" BIN="$(BIN)" sh scripts/bench-catchup.sh

## upgrade-check: a rolling upgrade of 3 nodes with the bots playing, from
## OLD (default: the last release at the previous command level) to this
## tree; checks the level rises only at the end, equal state hashes, and
## which task generators contests drew on each side of the raise
upgrade-check:
	GO="$(GO)" sh scripts/upgrade-check.sh

## cluster: NODES (default 3) local nodes on loopback, HTTP ports 8081..,
## Raft ports 7001.., data dirs data/dev/n1..; prints their URLs, Ctrl-C stops them
## (a built binary, not go run, which reports a Ctrl-C as a failure)
cluster:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/arena ./cmd/arena
	$(BIN)/arena dev-cluster $(NODES)

## chaos: the long fault-injection run (CHAOSTIME, default 5m) against a real
## 3-node cluster of processes: kill -9, long SIGSTOP pauses, SIGTERM and
## rolling restarts, wipe and rejoin, partitions, then checks (Porcupine
## included); `make test` runs a short form (chaos/chaos_test.go)
chaos:
	$(GO) run ./cmd/arena-chaos -duration $(CHAOSTIME) $(CHAOSFLAGS)

## alerts: check docs/alerts.yml and run its unit tests (docs/alerts_test.yml)
## with promtool (fetched from Debian's prometheus package when missing)
alerts:
	sh scripts/promtool.sh check rules docs/alerts.yml
	sh scripts/promtool.sh test rules docs/alerts_test.yml

## screenshots: rerun the browser tests (headless Chromium) and let them save
## every spectator page at 1280 and 375 px into docs/screenshots (the README's)
screenshots:
	ARENA_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run '^TestUIBrowser$$' ./web

## bench: Go micro-benchmarks, then replicated throughput/latency on loopback TCP
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)
	$(GO) run ./cmd/arena-bench -duration $(BENCHTIME)

## bench-train: training tokens/s of the Go CPU backend against PyTorch on
## CPU (Debian's python3-torch with OpenBLAS, installed when missing), the
## same GPT-2 config, in one run (PRESET=cpu BATCH=8 SEQ=256 ROUNDS=3)
bench-train:
	GO="$(GO)" sh scripts/bench-train.sh

## lint: formatting and vet
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

fmt:
	gofmt -w .

clean:
	rm -rf $(BIN) data

## CUDA backend (gpu/cuda*.go, build tag cuda; see docs/GPU.md).
## Headers and driver stubs come from Debian non-free into an ignored cache;
## nothing is installed system-wide. A cuda binary needs an NVIDIA driver to
## start at all (gorgonia.org/cu exits in init without one).
CUDA_CACHE ?= $(CURDIR)/.cache/cuda
CUDA_NVCC  ?= $(CURDIR)/.cache/cuda-nvcc
CUDA_ENV    = CGO_ENABLED=1 CGO_CFLAGS="-I$(CUDA_CACHE)/include" CGO_LDFLAGS="-L$(CUDA_CACHE)/lib"

## cuda-deps: CUDA headers and stubs into $(CUDA_CACHE) (idempotent)
cuda-deps:
	sh gpu/kernels/fetch-cuda.sh deps $(CUDA_CACHE)

## cuda-nvcc: a private nvcc (Debian's CUDA 11.8) into $(CUDA_NVCC) (idempotent)
cuda-nvcc:
	sh gpu/kernels/fetch-cuda.sh nvcc $(CUDA_NVCC)

## cuda-ptx: regenerate gpu/kernels/kernels.ptx; uses nvcc from PATH, else cuda-nvcc
cuda-ptx:
	@if command -v nvcc >/dev/null 2>&1; then sh gpu/kernels/gen.sh; \
	else $(MAKE) cuda-nvcc && NVCC=$(CUDA_NVCC)/bin/nvcc sh gpu/kernels/gen.sh; fi

## vet-cuda: go vet with the cuda tag against the cached headers and stubs
vet-cuda: cuda-deps
	$(CUDA_ENV) $(GO) vet -tags cuda $(PKGS)

## trainer-cuda: the trainer with the CUDA engine (-device cuda), as $(BIN)/arena-trainer-cuda
trainer-cuda: cuda-deps
	@mkdir -p $(BIN)
	$(CUDA_ENV) $(GO) build -tags cuda -o $(BIN)/arena-trainer-cuda ./cmd/arena-trainer

## test-cuda: on a GPU machine, one command: the CUDA engine and kernels
## against the CPU model (tiny preset, both GEMM modes), then the
## throughput table at the gpt2 preset (docs/GPU.md)
test-cuda: cuda-deps
	$(CUDA_ENV) $(GO) test -tags cuda -count=1 -run CUDA ./gpu
	$(CUDA_ENV) $(GO) test -tags cuda -count=1 ./gpu/cudagpt
	$(CUDA_ENV) ARENA_CUDA_BENCH=1 $(GO) test -tags cuda -count=1 -timeout 20m -v -run CUDABenchmark ./gpu/cudagpt

## gpu-bundle: make test-cuda's test binaries and the cuda trainer, prebuilt
## into $(BIN)/gpu-bundle for a GPU machine without Go (scripts/gpu-check.sh)
gpu-bundle: cuda-deps
	@mkdir -p $(BIN)/gpu-bundle
	$(CUDA_ENV) $(GO) test -c -tags cuda -o $(BIN)/gpu-bundle/gpu.test ./gpu
	$(CUDA_ENV) $(GO) test -c -tags cuda -o $(BIN)/gpu-bundle/cudagpt.test ./gpu/cudagpt
	$(CUDA_ENV) $(GO) build -tags cuda -o $(BIN)/gpu-bundle/arena-trainer-cuda ./cmd/arena-trainer

## test-cuda-emu: the cuda-tagged tests of ./gpu (CUDA*) and ./gpu/cudagpt
## without a GPU, on an emulated driver that runs kernels.cu and gpt.cu on
## the host (gpu/kernels/emu); checks kernels and Go side, not the PTX JIT
## nor real hardware
test-cuda-emu: cuda-deps emu-deps
	CUDA_CACHE=$(CUDA_CACHE) sh gpu/kernels/emu/run.sh

## emu-deps: the C/C++ compilers the emulated driver is built with (g++
## installed with apt-get when missing)
emu-deps:
	@sh scripts/emu-deps.sh
