# ketasim: `make demo` runs the main job, `make test` runs every test. Both install what is
# missing first (Debian packages with apt-get as root, Python packages with pip).

PYTHON ?= python3
BUILD ?= build
BUILD_ASAN ?= build-asan
JOBS ?= $(shell nproc)
APT_PKGS := g++ make libeigen3-dev libboost-dev catch2 libbenchmark-dev
# dask and distributed: the optional Dask extra; pandas: optional DataFrame input and output of
# event datasets. Both installed so that their tests run.
PY_MODULES := numpy scipy matplotlib pytest pybind11 scikit_build_core ninja cmake dask distributed pandas
GENERATOR := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")

.PHONY: all deps build test test-cpp test-asan test-python python demo bench clean web deps-web test-web

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
	cmake -S . -B $(BUILD_ASAN) $(GENERATOR) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" \
	  -DKETASIM_SANITIZE=ON -DKETASIM_BUILD_BENCH=OFF -DKETASIM_BUILD_EXAMPLES=OFF
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS)

# The Python package (pip install . through scikit-build-core, same CMakeLists.txt as the C++
# build). deps has installed the build requirements, so pip builds without an isolated
# environment and keeps its CMake build in build-python/ between runs.
python: deps
	$(PYTHON) -m pip install --quiet --no-build-isolation \
	  --config-settings=build-dir=build-python/{wheel_tag} .

# Python tests; test_cpp_parity.py compares with the C++ example built in $(BUILD).
test-python: python
	KETASIM_CPP_BUILD=$(BUILD) $(PYTHON) -m pytest tests/python

test: test-cpp test-asan test-python test-web

# The main job: IV versus intranasal ketamine; prints the onset table and where the figure
# and the CSV were written (the current folder).
demo: python
	$(PYTHON) -m ketasim compare

# Benchmarks (not tests: nothing fails on a time): the Google Benchmark programs, then ketasim
# against SciPy (bench/compare.py). numpy's OpenBLAS tuning variables are unset for that run only.
bench: deps python
	cmake -S . -B $(BUILD) $(GENERATOR) -DCMAKE_BUILD_TYPE=Release -DKETASIM_BUILD_BENCH=ON
	cmake --build $(BUILD) -j $(JOBS) --target bench_simulate bench_population
	$(BUILD)/bench/bench_simulate
	$(BUILD)/bench/bench_population
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PYTHON) bench/compare.py

# The teaching page (web/): the core compiled to WebAssembly by Debian's Emscripten (one TU, wasm
# inlined by SINGLE_FILE), assembled with web/app.js and web/style.css into one self-contained
# HTML file that opens offline from file://. Boost and Eigen get their own include folder
# (not -I/usr/include, which would mix glibc headers into the wasm sysroot); Emscripten's JS
# optimiser finds Debian's acorn through NODE_PATH. Tests: headless Chromium (tests/web).
BUILD_WEB ?= build-web
WEB_APT_PKGS := emscripten
WEB_TEST_APT_PKGS := chromium chromium-driver
WEB_CXXFLAGS := -std=c++20 -O2 -DNDEBUG -fexceptions -Iinclude -I$(BUILD_WEB)/include
WEB_LDFLAGS := --bind -sSINGLE_FILE=1 -sMODULARIZE=1 -sEXPORT_NAME=createKetasim \
  -sALLOW_MEMORY_GROWTH=1 -sENVIRONMENT=web,node

deps-web:
	@missing=""; for p in $(WEB_APT_PKGS) $(if $(WEB_TEST),$(WEB_TEST_APT_PKGS)); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@if [ -n "$(WEB_TEST)" ] && ! $(PYTHON) -c "import selenium" >/dev/null 2>&1; then \
	  echo "installing Python packages: selenium"; $(PYTHON) -m pip install --quiet selenium; fi

$(BUILD_WEB)/ketasim.html: web/ketasim_web.cpp web/index.html web/app.js web/style.css \
    web/build_page.py pyproject.toml $(shell find include -name '*.hpp')
	mkdir -p $(BUILD_WEB)/include
	ln -sfn /usr/include/boost $(BUILD_WEB)/include/boost
	ln -sfn /usr/include/eigen3/Eigen $(BUILD_WEB)/include/Eigen
	NODE_PATH=/usr/share/nodejs em++ $(WEB_CXXFLAGS) $(WEB_LDFLAGS) web/ketasim_web.cpp \
	  -o $(BUILD_WEB)/ketasim_web.js
	$(PYTHON) web/build_page.py $(BUILD_WEB)/ketasim_web.js $@

web: deps deps-web
	$(MAKE) --no-print-directory $(BUILD_WEB)/ketasim.html
	@echo "page: $(abspath $(BUILD_WEB))/ketasim.html (open it in a browser, no server needed)"

# Browser tests: the page in headless Chromium against `ketasim compare` (needs the package).
test-web: python
	$(MAKE) --no-print-directory web WEB_TEST=1
	KETASIM_WEB_PAGE=$(BUILD_WEB)/ketasim.html $(PYTHON) -m pytest tests/web

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) build-python $(BUILD_WEB)
