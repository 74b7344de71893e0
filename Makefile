# Thin wrapper around meson/ninja. `make run` and `make check` install the
# Debian packages the build needs first (scripts/setup-deps.sh).
BUILD ?= build
SETUP = scripts/setup-deps.sh

.PHONY: all run check check-unit check-qtest check-differential bench clean setup

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

setup:
	@bash $(SETUP)

$(BUILD)/build.ninja:
	@bash $(SETUP)
	./configure --builddir=$(BUILD)

run: setup all
	./$(BUILD)/lapis -smp 4 -nographic -kernel $(BUILD)/tests/guest/demo.elf

check: setup all
	python3 scripts/run-tests.py $(BUILD)

check-unit: all
	python3 scripts/run-tests.py $(BUILD) --suite unit

check-qtest: all
	python3 scripts/run-tests.py $(BUILD) --suite qtest

# The guest programs on lapis and on qemu-system-x86_64 (TCG), outputs
# compared (docs/tcg.md); needs qemu-system-x86, not part of make check.
check-differential: setup all
	LAPIS_SETUP_BENCH=1 bash $(SETUP)
	python3 tests/guest/differential.py $(BUILD)

bench: setup all
	LAPIS_SETUP_BENCH=1 bash $(SETUP)
	bash tests/bench/run-bench.sh $(BUILD)

clean:
	rm -rf $(BUILD)
