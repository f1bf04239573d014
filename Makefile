# Entry points of the enrollment system. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
# In CI (CI=true) the PostgreSQL half of the suite must run, not be skipped.
REQUIRE_POSTGRES ?= $(if $(filter true 1,$(CI)),1,0)

.PHONY: help run build test test-rust check-wasm lint fmt install-tools bench

help:
	@echo "make run    build everything and start all nodes with demo data"
	@echo "make test   the whole test suite (SQLite, and PostgreSQL when reachable)"
	@echo "make lint   rustfmt and clippy, as CI runs them"
	@echo "make bench  release build, load against the real services (BENCH_DB=postgres for PostgreSQL)"

install-tools:
	@.ci/install-tools

build:
	$(CARGO) build --release --bins

run: install-tools build
	@.ci/start-all

test: check-wasm test-rust

check-wasm:
	@rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	$(CARGO) check -p shared-types --target wasm32-unknown-unknown

test-rust:
	REQUIRE_POSTGRES=$(REQUIRE_POSTGRES) $(CARGO) test --workspace

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

bench: build
	./target/release/enroll-bench
