#!/usr/bin/env bash
# Feature: qemu_guest_agent — QEMU guest agent installed, enabled and running (Proxmox talks to it)
#
# Installs qemu-guest-agent when missing and makes sure its service is enabled and running, so
# `qm guest exec`, IP reporting and clean shutdowns work. Cloud-init normally does this on first
# boot; this feature repairs images where it did not. The VM needs agent=1 in its Proxmox config.
# Context keys: none.
# Needs: network (the distribution's apt mirror) unless the package is already installed.
# Exit codes: features/README.md (0 ok, 6 apt failed, 75 apt lock timeout).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
PHOENIX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)"
# shellcheck source=../lib/common.sh
source "$PHOENIX_LIB/common.sh"

phoenix_init qemu_guest_agent "${1:-}"

apt_install qemu-guest-agent
# The unit is "static" on Ubuntu (started by udev when the virtio port exists): enabling may be a
# no-op, starting is what matters.
service_enable_now qemu-guest-agent
log "done"
