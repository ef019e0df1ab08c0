# Makefile - the only build entry.  Targets:
#   all (default)  build/cutover
#   deps           install missing Debian packages (build and test sets)
#   deps-build     only what building and `make demo` need
#   check          unit tests (plain and ASan+UBSan), CLI and integration
#                  tests against real servers on loopback, a short fuzz run
#   demo           the main job on SQLite: examples/demo
#   asan, fuzz, bench, install, uninstall, deb, clean
include config.mk

CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(DEFS) -DCUTOVER_VERSION='"$(VERSION)"' \
             -D_GNU_SOURCE -Isrc -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
             $(CFLAGS)
LIBS       = $(shell pkg-config --libs $(LINK_PKGS) 2>/dev/null) -lpthread -lm

SRC     := $(sort $(wildcard src/*.c src/cmd/*.c src/check/*.c src/out/*.c \
                             src/db/*.c src/lib/*.c))
# The plan templates of `cutover init`, compiled in from templates/*.yml.
GENSRC  := build/gen/templates.c
SRC     += $(GENSRC)
LIBSRC  := $(filter-out src/main.c,$(SRC))
UNITSRC := $(sort $(wildcard tests/unit/test_*.c))

OBJ      := $(SRC:%.c=build/%.o)
LIBOBJ   := $(LIBSRC:%.c=build/%.o)
ASANOBJ  := $(LIBSRC:%.c=build-asan/%.o)
UNITOBJ  := $(UNITSRC:%.c=build/%.o) build/tests/t.o
UNITAOBJ := $(UNITSRC:%.c=build-asan/%.o) build-asan/tests/t.o

SAN = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps deps-build uninstall deb check unit unit-asan cli fuzz fuzz-build fuzz-merge demo bench install clean asan

all: build/cutover

# Link beside and rename: a test running the old binary never sees a
# half-written file (exit 126, "Permission denied").
build/cutover: $(OBJ)
	@echo "LD $@"
	@$(CC) -o $@.tmp $(OBJ) $(LDFLAGS) $(LIBS) && mv -f $@.tmp $@

$(GENSRC): scripts/embed.sh $(sort $(wildcard templates/*.yml))
	@mkdir -p $(dir $@)
	@sh scripts/embed.sh $(sort $(wildcard templates/*.yml)) > $@.tmp && mv -f $@.tmp $@

build/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS_ALL) -c -o $@ $<

build-asan/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC (asan) $<"
	@$(CC) $(CFLAGS_ALL) $(SAN) -O1 -c -o $@ $<

build/unit: $(LIBOBJ) $(UNITOBJ)
	@echo "LD $@"
	@$(CC) -o $@.tmp $^ $(LDFLAGS) $(LIBS) && mv -f $@.tmp $@

build-asan/unit: $(ASANOBJ) $(UNITAOBJ)
	@echo "LD $@"
	@$(CC) $(SAN) -o $@.tmp $^ $(LDFLAGS) $(LIBS) && mv -f $@.tmp $@

asan: build-asan/unit

deps:
	@sh scripts/deps.sh test

deps-build:
	@sh scripts/deps.sh build

unit: build/unit
	./build/unit

unit-asan: build-asan/unit
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./build-asan/unit

cli: build/cutover
	@bash tests/run-cli.sh

# libFuzzer targets need clang; corpus lives in tests/fuzz/corpus/NAME.
# The library is compiled once with coverage hooks, each target links it.
FUZZSRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZBIN := $(FUZZSRC:tests/fuzz/%.c=build-fuzz/%)
FUZZOBJ := $(LIBSRC:%.c=build-fuzz/%.o)
# make check's fuzz step is a regression pass plus a short exploration:
# libFuzzer replays the whole kept corpus before it looks at the clock
# (the largest, plan's 768 inputs, in 6-8 s on a loaded 2-core machine,
# the others in under 3 s), then explores for what is left of the
# seconds.  12 s, not 20: 17 targets two at a time, 68 s less.  Long
# runs that grow the corpus: `make fuzz FUZZ_SECONDS=600`, fuzz-merge.
FUZZ_SECONDS ?= 12
FUZZFLAGS = $(CSTD) -g -O1 -fsanitize=address,undefined $(DEFS) \
	    -DCUTOVER_VERSION='"$(VERSION)"' -D_GNU_SOURCE -Isrc -MMD -MP \
	    $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC (fuzz) $<"
	@clang $(FUZZFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
build-fuzz/%: tests/fuzz/%.c $(FUZZOBJ)
	@echo "LD (fuzz) $@"
	@clang $(FUZZFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZOBJ) $(LIBS)
.SECONDARY: $(FUZZOBJ)
fuzz-build: $(FUZZBIN)
fuzz: fuzz-build
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)
fuzz-merge: fuzz-build
	@sh tests/fuzz/run.sh merge

# The four builds (plain, unit, ASan unit, fuzz objects: ~380 compiles)
# run one job per core whatever -j says; the tests after them run one
# at a time (-j1), as before: suites that share servers and fuzz jobs
# sized to the cores must never overlap.
check: deps
	@$(MAKE) --no-print-directory -j$$(nproc) build/cutover build/unit build-asan/unit fuzz-build
	@$(MAKE) --no-print-directory -j1 unit unit-asan cli fuzz
	@echo "make check: all suites passed"

demo: deps-build all
	@sh examples/demo/run.sh

# Each benchmark is bench/NAME/run.sh; BENCH=NAME runs one.
bench: all
	@for b in bench/$${BENCH:-*}/run.sh; do echo "== $$b"; sh $$b || exit 1; done

# Where `make install` puts things (DESTDIR for staging, as usual).
DOCDIR  ?= $(PREFIX)/share/doc/cutover
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
INSTALLED = $(PREFIX)/bin/cutover $(MANPREFIX)/man1/cutover.1 \
	    $(MANPREFIX)/man5/cutover-plan.5 $(BASHCOMPDIR)/cutover \
	    $(ZSHCOMPDIR)/_cutover

install: build/cutover
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(DOCDIR)/examples \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 755 build/cutover $(DESTDIR)$(PREFIX)/bin/cutover
	install -m 644 docs/cutover.1 $(DESTDIR)$(MANPREFIX)/man1/cutover.1
	install -m 644 docs/cutover-plan.5 $(DESTDIR)$(MANPREFIX)/man5/cutover-plan.5
	install -m 644 completions/cutover.bash $(DESTDIR)$(BASHCOMPDIR)/cutover
	install -m 644 completions/_cutover $(DESTDIR)$(ZSHCOMPDIR)/_cutover
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	@# The examples as the repository has them, without generated output.
	tar -C examples --exclude=out -cf - . | tar -C $(DESTDIR)$(DOCDIR)/examples -xf -

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	rm -rf $(DESTDIR)$(DOCDIR)

# A Debian package of this build: `apt install ./cutover_VERSION_ARCH.deb`.
deb: build/cutover
	@sh scripts/deb.sh $(VERSION)

clean:
	rm -rf build build-asan build-fuzz cutover_*.deb

-include $(OBJ:.o=.d) $(ASANOBJ:.o=.d) $(UNITOBJ:.o=.d) $(UNITAOBJ:.o=.d) $(FUZZOBJ:.o=.d)
