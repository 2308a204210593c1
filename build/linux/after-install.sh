#!/bin/sh
# Let the logged-in user reach phones in download, fastboot and adb mode without root.
set -e
install -m 0644 "/opt/Revive/resources/udev/51-revive.rules" /etc/udev/rules.d/51-revive.rules
udevadm control --reload-rules || true
udevadm trigger --subsystem-match=usb || true
