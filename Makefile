# tokbench - build, test and run. Switches, not forks (STYLE.md rule 12):
#   make SANITIZE=address,undefined   build into build/san with sanitizers
#   make DEBUG=1                      -O0 into build/debug (build/san-debug with SANITIZE)
#   CI=true make ...                  adds -Werror
# Targets: deps all tests test run bench fuzz layout corpora clean help

SHELL := /bin/bash
CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif

SANITIZE ?=
DEBUG ?=
# Each combination of switches has its own tree, so objects built with one
# set of flags are never linked with another's.
ifneq ($(SANITIZE),)
ifneq ($(DEBUG),)
BUILD ?= build/san-debug
else
BUILD ?= build/san
endif
else ifneq ($(DEBUG),)
BUILD ?= build/debug
else
BUILD ?= build/opt
endif

PKG_CONFIG ?= pkg-config
PC_LIBS := libutf8proc icu-uc icu-i18n libxml-2.0 jansson libpcre2-8 openblas zlib liblzma libzstd
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PC_LIBS) 2>/dev/null)
PC_LDLIBS := $(shell $(PKG_CONFIG) --libs $(PC_LIBS) 2>/dev/null)

CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wno-unused-parameter $(PC_CFLAGS)
ifneq ($(DEBUG),)
CFLAGS_BASE += -O0
else
CFLAGS_BASE += -O2
endif
ifneq ($(SANITIZE),)
ifeq ($(DEBUG),)
CFLAGS_BASE += -O1
endif
CFLAGS_BASE += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=$(SANITIZE)
endif
ifneq ($(CI),)
CFLAGS_BASE += -Werror
endif
CFLAGS ?=
override CFLAGS := $(CFLAGS_BASE) $(CFLAGS)
LDLIBS += $(PC_LDLIBS) -lcsv -lstemmer -lpthread -lm

LIB_DIRS := common results corpora tokenizers ngram model bench reports
CLI_SRC := $(wildcard cli/*.c)
LIB_SRC := $(filter-out $(CLI_SRC),$(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# Each tests/test_*.c is one cmocka program; tests/run.sh runs them all.
TEST_SRC := $(wildcard tests/test_*.c)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPFILES := $(LIB_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(CLI_SRC:%.c=$(BUILD)/obj/%.d)

LIB := $(BUILD)/libtokbench.a
BIN := $(BUILD)/tokbench

.PHONY: all lib tests deps test run bench fuzz layout clean corpora help check-deps check-deps-test
.DEFAULT_GOAL := all
# Test objects are kept (not deleted as intermediates), so a rebuild after a
# change recompiles only what changed.
.SECONDARY: $(TEST_OBJ)

# ./tokbench is the optimised program; other trees (SANITIZE=, DEBUG=, BUILD=)
# leave it. `make` needs only the build libraries; the test, fuzz and bench
# tools are checked by the targets that use them.
all: check-deps $(BIN)
	@if [ "$(BUILD)" = build/opt ]; then ln -sfn $(BIN) tokbench; fi

# The cmocka unit programs, one per tests/test_*.c.
tests: check-deps-test $(TEST_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEFS) -MMD -MP -c $< -o $@

# The run manifest records the version and the commit the binary was built
# from; commit.txt changes only when the commit does.
TB_VERSION := 0.1.0
TB_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
$(BUILD)/commit.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(TB_COMMIT)' | cmp -s - $@ || echo '$(TB_COMMIT)' > $@
$(BUILD)/obj/bench/manifest.o: $(BUILD)/commit.txt
$(BUILD)/obj/bench/manifest.o: DEFS = -DTB_VERSION='"$(TB_VERSION)"' -DTB_COMMIT='"$(TB_COMMIT)"'
FORCE:
# The trainer's elementwise loops (AdamW's sqrtf) vectorise only without
# errno; GCC's optimize attribute cannot turn math-errno off for a function.
# sqrt is exact in IEEE arithmetic, so no value changes.
$(BUILD)/obj/model/train.o: override CFLAGS += -fno-math-errno

lib: $(LIB)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

-include $(DEPFILES)

# Installs every Debian and npm package tokbench needs (idempotent; says what
# it installs; fails with the command to run when it cannot).
deps:
	@bash deps/install.sh

# Fail early, naming the missing Debian packages and the command that
# installs them.
check-deps:
	@bash deps/install.sh --check build
check-deps-test:
	@bash deps/install.sh --check build test

# Every quoted #include against the folder table of docs/DESIGN.md.
layout:
	@tools/layout-check

# Fetches and imports the three default corpora into corpora/data/.
corpora: all
	./$(BIN) corpus fetch udhr
	./$(BIN) corpus fetch libreoffice
	./$(BIN) corpus fetch gettext

# Everything a user needs, then the default suite into reports/out/.
run: deps
	@$(MAKE) --no-print-directory all
	./$(BIN) corpus fetch udhr
	./$(BIN) corpus fetch libreoffice
	./$(BIN) corpus fetch gettext
	./$(BIN) run --suite default -o reports/out

# Optimised and sanitized builds, unit tests in both, CLI and golden tests.
test: deps
	@bash tests/run.sh

# Benchmarks: every perf/*.sh, each comparing tokbench with a peer
# side by side in one run and printing the ratio (see the README's
# Performance section). A script exits 1 when its bar is missed; all run.
bench: deps
	@$(MAKE) --no-print-directory all
	@status=0; for s in perf/*.sh; do \
		echo "== $$s"; bash "$$s" || status=1; \
	done; exit $$status

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang, each run for
# FUZZ_SECONDS or FUZZ_RUNS executions (whichever comes first; -1 = no cap)
# on its seed folder; a crash stops with the reproducer's name. The long
# campaign of the README is `make fuzz FUZZ_SECONDS=3600 FUZZ_RUNS=10000000`.
FUZZ_SECONDS ?= 30
FUZZ_RUNS ?= -1
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined

FUZZ_LIB := build/fuzzlib/libtokbench.a

build/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	clang -std=c11 -D_GNU_SOURCE -g -O1 $(FUZZ_FLAGS) $(PC_CFLAGS) -o $@ $^ $(PC_LDLIBS) -lcsv -lstemmer -lpthread -lm

fuzz: deps
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzzlib SANITIZE=address,undefined \
		CFLAGS=-fsanitize=fuzzer-no-link lib
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); mkdir -p build/fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
		TB_ROOT=$$PWD $$f -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_RUNS) -max_len=4096 \
			-print_final_stats=1 \
			-artifact_prefix=build/fuzz/ build/fuzz/corpus/$$n tests/fuzz/seeds/$$n \
			>build/fuzz/$$n.log 2>&1 || { tail -30 build/fuzz/$$n.log; exit 1; }; \
		grep -E '^Done [0-9]+ runs' build/fuzz/$$n.log | tail -1; \
	done

clean:
	rm -rf build tokbench

help:
	@sed -n '1,6p' Makefile
