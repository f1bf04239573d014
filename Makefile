# Entry points of the enrollment system. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
# trunk finds wasm-opt (binaryen from npm) and wasm-bindgen here, never online.
TOOLS_PATH := $(CURDIR)/frontend/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

# In CI (CI=true) the PostgreSQL half of the suite must run, not be skipped.
REQUIRE_POSTGRES ?= $(if $(filter true 1,$(CI)),1,0)

# The tests' own PostgreSQL connections skip libpq's Kerberos probe (the
# services add gssencmode=disable to their URLs for the same reason): a test
# binary exiting during that probe aborted inside libkrb5.
export PGGSSENCMODE ?= disable

.PHONY: help check run dev build build-services build-frontend test test-rust check-wasm lint fmt install-tools install-browser-tools bench chaos chaos-self-test e2e cluster

help:
	@echo "make run              install what is missing, build, start every node with demo data (Ctrl-C stops)"
	@echo "make dev              the services, and the app from trunk serve on :8090 with live reload"
	@echo "make check            the quick loop: rustfmt, clippy, the Rust tests on SQLite"
	@echo "make test             the whole suite, as CI runs it: Rust tests (SQLite, and PostgreSQL when"
	@echo "                      reachable), chaos, chaos-self-test, e2e"
	@echo "make test-rust        the Rust tests alone"
	@echo "make cluster          the replicated deployment on this machine: 3 etcd, 3 PostgreSQL under Patroni,"
	@echo "                      2 replicas of each service, the static node, each on its own host (root; Ctrl-C stops)"
	@echo "make chaos            every node on its own host, killed, hung, cut off and slowed (root for namespaces)"
	@echo "make chaos-self-test  each kind of chaos check shown failing on a system broken on purpose"
	@echo "make e2e              the browser app in headless Chromium against the real services"
	@echo "make bench            release build, load against the real services (BENCH_DB=postgres for PostgreSQL)"
	@echo "make lint             rustfmt, leptosfmt (the app's view! blocks) and clippy, as CI runs them"
	@echo "make fmt              format the code, view! blocks included"
	@echo "make build            release build of the services and the app (build-services, build-frontend)"
	@echo "make check-wasm       shared-types compiles for the browser"
	@echo "make install-tools    what building and running need (install-browser-tools: and the tests)"

check: lint
	TEST_POSTGRES=off $(CARGO) test --workspace --exclude enroll-frontend

install-tools:
	@.ci/install-tools

# Headless Chromium and playwright-core as well, for e2e and the browser
# figures (and leptosfmt, which make lint installs by itself).
install-browser-tools:
	@.ci/install-tools --ci

build: build-services build-frontend

build-services:
	@echo "building the services (release; about 5 minutes the first time, seconds after)"
	$(CARGO) build --release --bins

# The release app, into frontend/dist (what the static node serves); rebuilt
# only when its sources changed.
FRONTEND_SOURCES := $(shell find frontend/src shared-types/src -name '*.rs') \
	frontend/index.html frontend/style.css frontend/config.json frontend/Cargo.toml frontend/Trunk.toml \
	shared-types/Cargo.toml Cargo.lock

build-frontend: frontend/dist/index.html

frontend/dist/index.html: $(FRONTEND_SOURCES)
	@echo "building the browser app (release wasm; about 4 minutes the first time)"
	cd frontend && PATH="$(TOOLS_PATH)" trunk build --release --offline --cargo-profile wasm-release --dist dist
	@touch $@

# The services with demo data, and `trunk serve` on :8090 rebuilding and
# reloading the page on every save; Ctrl-C stops it all.
dev: install-tools build-services
	@PATH="$(TOOLS_PATH)" .ci/start-all --dev

run: install-tools build
	@.ci/start-all

# The replicated deployment, from the files in deploy/, every host a network
# namespace; prints the app's URL and where each node runs.
cluster: install-tools build
	./target/release/enroll-chaos cluster

test: check-wasm test-rust chaos chaos-self-test e2e

check-wasm:
	@rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	$(CARGO) check -p shared-types --target wasm32-unknown-unknown

test-rust:
	REQUIRE_POSTGRES=$(REQUIRE_POSTGRES) $(CARGO) test --workspace --exclude enroll-frontend

lint:
	@.ci/install-tools --lint
	$(CARGO) fmt --all -- --check
	leptosfmt --quiet --check --max-width 120 frontend/src
	$(CARGO) clippy --workspace --exclude enroll-frontend --all-targets -- -D warnings
	$(CARGO) clippy -p enroll-frontend --target wasm32-unknown-unknown -- -D warnings

fmt:
	@.ci/install-tools --lint
	$(CARGO) fmt --all
	leptosfmt --quiet --max-width 120 frontend/src

bench: install-browser-tools build
	./target/release/enroll-bench
	node frontend/e2e/run.mjs --figures-only

# Each suite has its own time limit, so a hang fails fast instead of
# eating the whole CI budget.
CHAOS_TIME_LIMIT ?= 1800
E2E_TIME_LIMIT ?= 1200

chaos: build
	REQUIRE_POSTGRES=$(REQUIRE_POSTGRES) timeout --kill-after=30 $(CHAOS_TIME_LIMIT) ./target/release/enroll-chaos

# Each kind of chaos check against a system broken on purpose: each must fail.
CHAOS_SELF_TEST_TIME_LIMIT ?= 600
chaos-self-test: build
	CHAOS_ONLY=self-test timeout --kill-after=30 $(CHAOS_SELF_TEST_TIME_LIMIT) ./target/release/enroll-chaos

e2e: install-browser-tools build
	timeout --kill-after=30 $(E2E_TIME_LIMIT) node frontend/e2e/run.mjs
