#!/usr/bin/env bash
# Install the Debian packages lapis needs, but only those that are missing,
# and say what was done. Safe to run again.
#   build:  what `make` needs (a failure here stops).
#   tests:  tools some tests use (iasl and dtc decompile our firmware tables,
#           Xvfb runs the SDL window test); the tests that need one skip, with
#           the reason, where it is absent, so a failure here only warns.
#   bench:  `make bench` compares against QEMU when qemu-system-x86 is there;
#           installed by `make bench` only (LAPIS_SETUP_BENCH=1).
set -u

build_pkgs="meson ninja-build pkg-config gcc python3 libglib2.0-dev libjson-glib-dev \
libpixman-1-dev libfdt-dev libsdl2-dev"
test_pkgs="acpica-tools device-tree-compiler xvfb x11-utils"
bench_pkgs="qemu-system-x86"

missing_from() {
    local out=""
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            out="$out $p"
        fi
    done
    echo "$out"
}

# shellcheck disable=SC2086
missing_build=$(missing_from $build_pkgs)
# shellcheck disable=SC2086
missing_test=$(missing_from $test_pkgs)
missing_bench=""
if [ "${LAPIS_SETUP_BENCH-0}" = 1 ]; then
    # shellcheck disable=SC2086
    missing_bench=$(missing_from $bench_pkgs)
fi

if [ -z "$missing_build$missing_test$missing_bench" ]; then
    echo "setup: all packages are installed"
    exit 0
fi

sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "setup: need root (or sudo) to install:$missing_build$missing_test$missing_bench" >&2
        [ -z "$missing_build" ] && exit 0
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get update -qq; then
    echo "setup: apt-get update failed" >&2
fi

if [ -n "$missing_build" ]; then
    echo "setup: installing build packages:$missing_build"
    # shellcheck disable=SC2086
    if ! $sudo apt-get install -y -qq --no-install-recommends $missing_build >/dev/null; then
        echo "setup: could not install:$missing_build" >&2
        exit 1
    fi
    echo "setup: installed:$missing_build"
fi
for p in $missing_test $missing_bench; do
    # shellcheck disable=SC2086
    if $sudo apt-get install -y -qq --no-install-recommends $p >/dev/null 2>&1; then
        echo "setup: installed $p"
    else
        echo "setup: warning: could not install $p; the tests that need it will skip" >&2
    fi
done
exit 0
