# Two commands set up a fresh machine (Debian with python3, make and git):
#   make demo   the product on its embedded default: a simulated cluster, a real Terraform engine
#   make test   ruff, mypy, the import contracts, the state contract and the whole test suite
# Each creates its own virtualenv (.venv) on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo demo-auto test lint floors bench screenshots state talos-api clean

# Every Python started here writes the .pyc of what it imports, even where the machine sets
# PYTHONDONTWRITEBYTECODE: the suite starts some thousand Pythons (the CLI, Terraform's
# provisioners), and each would compile vixens_tui again (~0.1 s of CPU apiece).
unexport PYTHONDONTWRITEBYTECODE

# pip compiles every module it installs (half of a 38 s install here). `--no-compile` was tried:
# the install took 16 s less beside another suite, and the first test run 33 s more (hundreds of
# processes compiling the same modules at once until the first .pyc lands).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/vixens-tui --demo

demo-auto: $(STAMP)
	$(BIN)/vixens-tui --demo --auto --yes

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python -m vixens_tui.core.checkpoint.contract state

# Two workers: the end-to-end runs wait on Terraform and the simulated cluster as much as they
# compute, so two of them share the two cores of a CI machine well (about 6 min instead of 10).
# loadgroup: tests that share one expensive run (marked xdist_group) go to the same worker.
# Where the CPU goes: VIXENS_TEST_CPU=FILE PYTHONPATH=. pytest -p tests.cpu_usage (tests/cpu_usage.py).
# TEXTUAL_FPS=15: the TUI tests draw their screens at most 15 times a second instead of 60. What a
# test checks never depends on the frame rate (a test that did was a race, fixed); a fifth of the
# TUI tests' CPU goes, and Pilot, which waits for the process to look idle after each key, waits
# half as long (measured: 11 TUI tests 133 s -> 66 s alone).
test: lint
	TEXTUAL_FPS=15 $(BIN)/pytest -q -n 2 --dist loadgroup

# The lowest versions pyproject.toml allows, tested: a floor that nothing installs is a guess
# (kubernetes>=31 was one). uv resolves every direct dependency to its lowest allowed version
# (`--resolution lowest-direct`) in a virtualenv of its own (build/ is ignored by git and ruff);
# the tests of the core, the backends, the simulator and the CLI run against it.
# cryptography is forced down to its floor: the dev extra's `tf` asks for >43, which would leave
# untested the 42 that a plain install (`vixens-tui sim`) may get.
# Not part of `make test` nor CI: 2.5 minutes on a quiet machine, 5 beside another suite.
FLOORS := build/floors
floors:
	rm -rf $(FLOORS)
	$(PYTHON) -m venv $(FLOORS)/uv
	$(FLOORS)/uv/bin/python -m pip install --quiet uv
	$(FLOORS)/uv/bin/uv venv --quiet --python $(PYTHON) $(FLOORS)/venv
	echo 'cryptography==42.0.0' > $(FLOORS)/override.txt
	$(FLOORS)/uv/bin/uv pip install --quiet --python $(FLOORS)/venv/bin/python \
		--resolution lowest-direct --override $(FLOORS)/override.txt -e '.[dev]'
	$(FLOORS)/uv/bin/uv pip list --python $(FLOORS)/venv/bin/python | grep -iE \
		'^(textual|transitions|kubernetes|python-terraform|pydantic|platformdirs|httpx|h2|pyyaml|cryptography|python-hcl2|grpcio|protobuf) '
	TEXTUAL_FPS=15 $(FLOORS)/venv/bin/pytest -q -n 2 --dist loadgroup -p no:cacheprovider \
		tests/core tests/backends tests/sim tests/test_cli.py

bench: $(STAMP)
	$(BIN)/python -m bench.run

screenshots: $(STAMP)
	$(BIN)/python screenshots/make_screenshots.py

# Talos's gRPC bindings (vixens_tui/talos_api/PROVENANCE.md), generated in a virtualenv of
# their own: grpcio-tools 1.68.1 writes code for protobuf 5.28+, which the project keeps below 6.
TALOS_API := vixens_tui/talos_api
talos-api:
	$(PYTHON) -m venv build/grpc-tools
	build/grpc-tools/bin/python -m pip install --quiet grpcio-tools==1.68.1
	build/grpc-tools/bin/python -m grpc_tools.protoc -I . --python_out=. --pyi_out=. \
		--grpc_python_out=. $(TALOS_API)/common.proto $(TALOS_API)/machine.proto
	rm -f $(TALOS_API)/common_pb2_grpc.py

state: $(STAMP)
	$(BIN)/python -m vixens_tui.core.checkpoint.contract --write state

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
