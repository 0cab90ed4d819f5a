# Mythos: every routine action has a target. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv is installed with pip when missing; `python3 -m uv` then works without PATH changes.
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
NPM := npm --prefix client
# -q and short tracebacks: the failing test and its assertion fit on the first screen.
PYTEST := $(UV) run --frozen pytest -q --tb=short
# What make is doing, one line per step; the tools themselves speak only to warn or fail.
say = @printf '==> %s\n' "$(1)"

# The bundle is rebuilt only when a source of it changed (`make client` forces it).
CLIENT_BUNDLE := client/dist/index.html
CLIENT_SOURCES := $(shell find client/src client/public -type f 2>/dev/null) client/index.html \
        client/package-lock.json client/vite.config.ts $(wildcard client/tsconfig*.json)

.PHONY: help install client chromium run run-embedded run-distributed run-auth run-edge run-game \
        run-persistence test test-fast test-tools test-python test-client test-e2e screenshots lint \
        format typecheck docs protocol bench chaos clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

install: ## Install uv (if missing), the Python workspace and the client's npm packages
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || \
	  { printf '==> %s\n' "Installing uv (pip install uv)"; python3 -m pip install --quiet uv; }
	@$(UV) sync --frozen --check --quiet 2>/dev/null || \
	  { printf '==> %s\n' "Installing the Python packages (uv sync --frozen)"; $(UV) sync --frozen --quiet; }
	@test -d client/node_modules || \
	  { printf '==> %s\n' "Installing the client's packages (npm ci)"; $(NPM) ci --no-audit --no-fund --loglevel=error; }

$(CLIENT_BUNDLE): $(CLIENT_SOURCES) | install
	$(call say,Building the web client (client/dist))
	@$(NPM) run --silent build -- --logLevel warn
	@touch $@

client: install ## Build the web client bundle (client/dist)
	$(call say,Building the web client (client/dist))
	@$(NPM) run --silent build -- --logLevel warn

chromium: ## Install Debian's Chromium for the end-to-end tests when missing (as root or with sudo)
	@client/e2e/ensure-chromium.sh

run: install $(CLIENT_BUNDLE) ## Start the whole system and print the URL to open (Ctrl-C stops it)
	$(call say,Starting Mythos)
	@$(UV) run --frozen python -m mythos_local

run-embedded: install $(CLIENT_BUNDLE) ## Same, forced into embedded mode (in-process bus + SQLite)
	@MYTHOS_MODE=embedded $(UV) run --frozen python -m mythos_local

run-distributed: install $(CLIENT_BUNDLE) ## Same, forced into distributed mode (RabbitMQ + PostgreSQL)
	@MYTHOS_MODE=distributed $(UV) run --frozen python -m mythos_local

run-auth: install ## Run only the auth service (AUTH_* settings)
	$(UV) run --frozen --package mythos-auth python -m mythos_auth

run-edge: install ## Run only one WebSocket edge (EDGE_* settings)
	$(UV) run --frozen --package mythos-ws-edge python -m mythos_edge

run-game: install ## Run only the game service (GAME_* settings)
	$(UV) run --frozen --package mythos-game python -m mythos_game

run-persistence: install ## Run only the persistence service (PERSISTENCE_* settings)
	$(UV) run --frozen --package mythos-persistence python -m mythos_persistence

test: install test-tools chromium lint typecheck test-python test-client test-e2e ## Run every check and test

test-fast: install test-tools $(CLIENT_BUNDLE) ## Unit and embedded-mode black-box tests: offline, in parallel (~4.5 min on 2 idle cores)
	$(PYTEST) -n auto --dist loadfile --no-loadscope-reorder -m "not services and not slow"

# Debian packages the tests run: promtool (package prometheus) checks the alert rules;
# nginx (nginx-light) is the second front door (MYTHOS_FRONT_DOOR=nginx) and serves the
# client image's configuration in its test; perf (linux-perf) samples the server core in
# make bench's profiled repeat (and its smoke test).
test-tools: ## Install the Debian tools the tests and make bench use (promtool, nginx, perf), when missing
	@missing=""; \
	  command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	  { command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx; } || missing="$$missing nginx-light"; \
	  command -v perf >/dev/null 2>&1 || missing="$$missing linux-perf"; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ]; then \
	      echo "Installing Debian's$$missing (for the tests)..."; \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing \
	        >/dev/null 2> >(grep -v '^debconf: delaying' >&2); \
	    else \
	      echo "missing:$$missing: run 'sudo apt-get install$$missing', then make test again" >&2; exit 1; \
	    fi; \
	  fi

lint: ## ruff lint and format check
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

format: ## Apply ruff's formatting and safe fixes
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

typecheck: ## mypy: strict on the contract package, the default checks on every service and tool
	$(UV) run --frozen mypy libs/contracts/src services/auth/src services/ws-edge/src services/game/src services/persistence/src \
	  infra/chaos/src infra/local/src infra/bench/src

# In parallel like test-fast: each test's vhost, databases, data folder and port block are
# its own (conftest.py, tests/conftest.py), so two workers never share one.
test-python: install $(CLIENT_BUNDLE) ## pytest: units, real RabbitMQ/PostgreSQL integration, black-box system tests, in parallel (~18 min on an idle 2-core machine)
	$(PYTEST) -n auto --dist loadfile --no-loadscope-reorder

test-client: ## Client unit tests (Vitest) and type check
	$(NPM) test

docs: install protocol ## Regenerate docs/commands.md from the command registry (and the protocol files)
	$(UV) run --frozen python -m mythos_game.entrypoints.command_docs

protocol: install ## Regenerate the protocol's JSON Schema and the client's types (client/src/protocol.generated.ts)
	$(UV) run --frozen python -m mythos_game.entrypoints.protocol_export

bench: install test-tools ## Benchmark the distributed stack: steps, a 10-minute soak, idle connections; writes docs/benchmarks/ (~25 min)
	$(UV) run --frozen python -m mythos_bench

chaos: install ## Faults under 40 talking players on two game shards, each fault on a fresh distributed system; writes docs/reliability.md (~11 min)
	$(UV) run --frozen python -m mythos_chaos

test-e2e: install chromium ## Client end-to-end tests: the whole system in Debian's Chromium (/usr/bin/chromium)
	$(NPM) run test:e2e

screenshots: install chromium ## Run the e2e and save its pictures (1280x800 PNGs) to docs/screenshots/
	MYTHOS_SCREENSHOTS=$(CURDIR)/docs/screenshots $(NPM) run test:e2e

clean: ## Remove build output and local data
	rm -rf client/dist .data .pytest_cache .ruff_cache .mypy_cache
