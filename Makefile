# SPDX-License-Identifier: GPL-2.0
# KHO-stateless: the one entry point.  `make help` lists the targets.

KHO_CACHE ?= $(HOME)/.cache/kho-stateless
KHO_BUILD ?= $(KHO_CACHE)/build
JOBS ?= $(shell echo $$(( $$(nproc) + 1 )))
KVM ?= 0
export KHO_CACHE KHO_BUILD JOBS KVM KSRC

S := scripts

FUZZ_TIME ?= 600

.PHONY: help deps base kernel stock demo check unit selftests scenarios \
	corrupt bench fuzz patches check-series check-fresh check-harness docs clean

help:
	@echo 'KHO-stateless: Kexec HandOver with a stateless radix tree, for Linux 7.3'
	@echo
	@echo 'Targets:'
	@echo '  demo        build our kernel, preserve memory, kexec in QEMU, verify, summarise'
	@echo '  check       every test: userspace, kernel builds, base selftests, scenarios'
	@echo '  unit        userspace tests of the radix tree only (seconds)'
	@echo '  selftests   the base 7.3 KHO and LUO selftests on our kernel'
	@echo '  scenarios   our QEMU kexec scenarios (ours, stock, chains, damaged handovers)'
	@echo '  corrupt     only the damaged-handover scenarios'
	@echo '  bench       ours vs stock 7.3 side by side (about 30 min); table in $$KHO_BUILD/bench'
	@echo '  fuzz        fuzz the incoming-tree validator for FUZZ_TIME seconds (default 600)'
	@echo '  patches     the git format-patch series against 7.3, cover letter, checkpatch'
	@echo '  check-series  git am the series onto a clean base, build every prefix, base KHO selftest'
	@echo '  check-fresh   the README commands in a fresh debootstrap Debian 12 root, empty cache'
	@echo '  check-harness  a broken guest init, a missing kernel, a stale log: each must fail check'
	@echo '  docs        build our rst with the kernel doc build (Sphinx), fail on warnings'
	@echo '  kernel      build our test kernel;  stock: the pristine 7.3 one'
	@echo '  base        fetch the Linux 7.3 base tree;  deps: install Debian packages'
	@echo '  clean       remove build outputs (keeps the base and ccache)'
	@echo
	@echo 'Variables:'
	@echo '  KSRC=/path  use this Linux 7.3 tree as the base instead of Debian linux-source-7.3'
	@echo '  KHO_CACHE   cache folder (default ~/.cache/kho-stateless); KHO_BUILD its build/'
	@echo '  JOBS        parallel build jobs (default nproc + 1)'
	@echo '  KVM=1       let QEMU use KVM (default: TCG only)'
	@echo '  ARCH=arm64  the arm64 target (cross compiler, qemu-system-aarch64); KHO_PAGES=16k|64k its page size; check still runs the x86_64 group list (issue 16)'

deps:
	@$(S)/deps.sh

base: deps
	@$(S)/fetch-base.sh >/dev/null

kernel: deps
	@bash -c '. $(S)/lib.sh; kho_kernel ours test'

stock: deps
	@bash -c '. $(S)/lib.sh; kho_kernel stock test'

demo:
	@$(S)/demo.sh

check:
	@$(S)/check.sh

unit:
	@$(S)/check.sh unit

selftests:
	@$(S)/check.sh kernels base

scenarios:
	@$(S)/check.sh kernels scenarios

corrupt: deps
	@bash -c '. $(S)/lib.sh; kho_kernel ours test >/dev/null' && $(S)/corrupt-scenarios.sh test

bench: deps
	@$(S)/bench.sh

fuzz: deps
	@$(MAKE) -s -C tools/testing/kho_radix fuzz FUZZ_TIME=$(FUZZ_TIME)

patches: deps
	@$(S)/make-patches.sh

check-series: deps
	@$(S)/check-series.sh

check-fresh:
	@$(S)/check-fresh.sh $(FRESH_TARGETS)

check-harness: kernel stock
	@$(S)/check-broken.sh

docs: deps
	@$(S)/check-docs.sh

clean:
	rm -rf $(KHO_BUILD)
	$(MAKE) -C tools/testing/kho_radix clean 2>/dev/null || true
	$(MAKE) -C tools/kho clean 2>/dev/null || true
