#!/usr/bin/env bash
# Feature: nvidia — NVIDIA driver (server branch, Ubuntu packages) for a GPU passed through to the VM
#
# Checks that an NVIDIA GPU is on the VM's PCI bus, installs Ubuntu's signed server driver
# packages of the requested branch (nvidia-headless-<branch>-server, nvidia-utils-<branch>-server)
# with the headers for the running kernel. When the new module is not loaded yet it marks
# /run/reboot-required and prints "reboot required"; Phoenix reboots the VM and may re-run the
# feature, which then only checks.
# Context keys: nvidia_driver_version (required: a branch like 580 or a full version like
#   580.76.05, of which the branch is used).
# Needs: network (Ubuntu archive), an NVIDIA GPU passed through (hostpci), Ubuntu.
# Exit codes: features/README.md (0 ok, 2 bad context, 3 not Ubuntu, 4 no NVIDIA GPU, 6 apt, 75 lock).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
PHOENIX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)"
# shellcheck source=../lib/common.sh
source "$PHOENIX_LIB/common.sh"

phoenix_init nvidia "${1:-}"

# True when a PCI device of vendor 0x10de and class display (0x03xxxx) is present.
nvidia_gpu_present() {
  local dev
  for dev in "$R"/sys/bus/pci/devices/*; do
    [[ -r "$dev/vendor" && -r "$dev/class" ]] || continue
    if [[ "$(cat "$dev/vendor")" == 0x10de && "$(cat "$dev/class")" == 0x03* ]]; then return 0; fi
  done
  return 1
}

version="$(ctx_get nvidia_driver_version)"
[[ "$version" =~ ^([0-9]+)(\.[0-9]+){0,2}$ ]] ||
  die "$EXIT_BAD_CONTEXT" "nvidia_driver_version '${version}' is not a branch like 580 or a version like 580.76.05"
branch="${BASH_REMATCH[1]}"

read_os_release
[[ "$OS_ID" == ubuntu ]] || die "$EXIT_UNSUPPORTED" "the VM nvidia feature supports Ubuntu guests (found '$OS_ID')"
nvidia_gpu_present || die "$EXIT_NO_HARDWARE" "no NVIDIA GPU on this VM's PCI bus: add a hostpci device"

apt_install "nvidia-headless-$branch-server" "nvidia-utils-$branch-server" "linux-headers-$(uname -r)"

if current="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n1)" && [[ "$current" == "$branch".* ]]; then
  log "done: nvidia-smi reports driver $current"
else
  printf '*** System restart required ***\n' | ensure_file /run/reboot-required 0644
  log "reboot required to load the NVIDIA $branch driver"
fi
