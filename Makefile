# ketasim: `make demo` runs the main job, `make test` runs every test. Both install what is
# missing first (Debian packages with apt-get as root, Python packages with pip).

PYTHON ?= python3
BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= $(shell nproc)
APT_PKGS := g++ make libeigen3-dev libboost-dev catch2 libbenchmark-dev
PY_MODULES := numpy scipy matplotlib pytest pybind11 scikit_build_core ninja cmake
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build test test-cpp test-asan test-python python demo bench clean

all: build

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@missing=""; for m in $(PY_MODULES); do $(PYTHON) -c "import $$m" >/dev/null 2>&1 || missing="$$missing $$m"; done; \
	if [ -n "$$missing" ]; then \
	  pkgs=$$(echo $$missing | sed 's/scikit_build_core/scikit-build-core/'); \
	  echo "installing Python packages: $$pkgs"; \
	  $(PYTHON) -m pip install --quiet $$pkgs; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test-cpp: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-asan: deps
	cmake -S . -B $(BUILD_ASAN) $(GENERATOR) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DKETASIM_SANITIZE=ON -DKETASIM_BUILD_BENCH=OFF -DKETASIM_BUILD_EXAMPLES=OFF
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

python: deps
	@if [ -f pyproject.toml ]; then $(PYTHON) -m pip install --quiet . ; fi

test-python: python
	@if [ -d tests/python ]; then $(PYTHON) -m pytest tests/python; fi

test: test-cpp test-asan test-python

demo: build
	$(BUILD)/examples/cpp/onset_compare

bench: deps
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DKETASIM_BUILD_BENCH=ON
	cmake --build $(BUILD) -j $(JOBS)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN)
