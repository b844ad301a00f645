# Makefile — the two commands a newcomer needs, and the rest.
#   make run    install what is missing, build, start the demo instance
#   make test   install what is missing, build, run every test (ctest)
# Other targets: build, asan (sanitizer build + tests), fuzz, bench, install, clean.
BUILD   ?= build
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
CMAKE_FLAGS ?=
DEMO    ?= var/demo

.PHONY: all build deps test-deps run test asan fuzz bench install clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test
	@scripts/fetch-peers.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

test: test-deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

run: build
	@[ -f $(DEMO)/sendmail.mc ] || mta/mailroom-instance --bin $(CURDIR)/$(BUILD) $(DEMO)
	@echo
	@echo "mailroom demo instance in $(DEMO).  In another shell:"
	@echo "    . $(DEMO)/env.sh; echo hello | sendmail -v allteam"
	@echo "    . $(DEMO)/env.sh john; mail tony     # a subject, the text, a lone '.'"
	@echo "    . $(DEMO)/env.sh tony; mail          # read: p, r, d, q;  mailq"
	@echo "    swaks --server 127.0.0.1 --port 2525 --to tony@$$(cat $(DEMO)/local-host-names)   # SMTP"
	@echo "Stop with Ctrl-C."
	@echo
	. $(DEMO)/env.sh && exec $(BUILD)/mta/sendmail -bD -q1m

asan:
	$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_CXX_COMPILER=clang++ -DMAILROOM_SANITIZE=ON"

fuzz:
	@scripts/install-deps.sh
	cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DMAILROOM_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz -j $(JOBS)
	scripts/run-fuzzers.sh build-fuzz $${FUZZ_SECONDS:-60}

bench: build
	@scripts/install-deps.sh --bench
	bench/run-all.sh $(BUILD)

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz
