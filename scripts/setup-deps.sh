#!/usr/bin/env bash
# Install the Debian packages lapis needs to build and test, but only those
# that are missing. Safe to run again: it says what it found and what it did.
set -eu

packages="meson ninja-build pkg-config gcc python3 libglib2.0-dev libjson-glib-dev \
libpixman-1-dev libfdt-dev libsdl2-dev"
# Extra packages for the test suite; the suite skips what they enable when
# they are absent, so a failure to install them is not fatal.
optional="${LAPIS_OPTIONAL_PACKAGES-}"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "setup: all build dependencies are installed"
    exit 0
fi

echo "setup: installing missing packages:$missing"
sudo=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        sudo="sudo"
    else
        echo "setup: need root (or sudo) to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing $optional >/dev/null
echo "setup: installed:$missing"
