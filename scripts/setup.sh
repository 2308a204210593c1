#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for Revive's tests: the real tools the tests drive against
# the virtual phone (heimdall, adb, fastboot, simg2img, usbip, lsusb, umockdev, gpg, wg, zbarimg,
# iptables), Debian's Chromium for the UI tests, and the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    heimdall-flash adb fastboot android-sdk-libsparse-utils \
    usbip usbutils umockdev gir1.2-umockdev-1.0 python3-gi \
    gnupg wireguard-tools zbar-tools iptables util-linux iproute2 \
    chromium fonts-dejavu-core >/dev/null

npm ci --no-audit --no-fund
