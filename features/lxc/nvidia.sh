#!/usr/bin/env bash
# Feature: nvidia — NVIDIA userspace driver matching the host's kernel driver exactly (no kernel module)
#
# A container shares the host's kernel module, so its userspace libraries and nvidia-smi must be
# the very same version. Waits for the passed-through device nodes (/dev/nvidia0, /dev/nvidiactl),
# refuses a context version that differs from the host's /proc/driver/nvidia/version, downloads
# NVIDIA's .run installer for that version and runs it with --no-kernel-module, then checks that
# nvidia-smi reports the version. Skips everything when nvidia-smi already reports it.
# Context keys: nvidia_driver_version (required, e.g. 580.76.05 — the host's driver),
#   nvidia_runfile_url (optional; must name the same version).
# Needs: network (download.nvidia.com), the GPU passed through to the container (dev0/dev1 or
#   lxc.mount.entry lines), the host driver already installed.
# Exit codes: features/README.md (0 ok, 2 bad context or host/context version mismatch,
#   4 no GPU device nodes or driver not answering, 5 download, 6 apt, 75 apt lock timeout).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
PHOENIX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)"
# shellcheck source=../lib/common.sh
source "$PHOENIX_LIB/common.sh"

phoenix_init nvidia "${1:-}"

# The version nvidia-smi reports (driver and libraries agree), empty when it does not answer.
smi_version() {
  nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n1 | tr -d ' ' || true
}

version="$(ctx_get nvidia_driver_version)"
[[ -n "$version" ]] || die "$EXIT_BAD_CONTEXT" "nvidia_driver_version is not set (the host's driver version, e.g. 580.76.05)"
[[ "$version" =~ ^[0-9]+\.[0-9]+(\.[0-9]+)?$ ]] ||
  die "$EXIT_BAD_CONTEXT" "nvidia_driver_version '$version' is not a full driver version like 580.76.05"
url="$(ctx_get nvidia_runfile_url "https://us.download.nvidia.com/XFree86/Linux-x86_64/$version/NVIDIA-Linux-x86_64-$version.run")"
[[ "$url" == *"$version"* ]] ||
  die "$EXIT_BAD_CONTEXT" "nvidia_runfile_url does not name driver version $version: $url"

if [[ -r "$R/proc/driver/nvidia/version" ]]; then
  host="$(sed -n 's/.*Kernel Module[^0-9]*\([0-9][0-9.]*\).*/\1/p' "$R/proc/driver/nvidia/version" | head -n1)"
  if [[ -n "$host" && "$host" != "$version" ]]; then
    die "$EXIT_BAD_CONTEXT" "the host runs NVIDIA driver $host but nvidia_driver_version is $version; they must match"
  fi
fi

current="$(smi_version)"
if [[ "$current" == "$version" ]]; then
  log "NVIDIA driver $version is already installed and answering"
  exit 0
fi

wait_limit="${PHOENIX_GPU_WAIT:-30}"
waited=0
while [[ ! -e "$R/dev/nvidia0" || ! -e "$R/dev/nvidiactl" ]]; do
  if ((waited >= wait_limit)); then
    die "$EXIT_NO_HARDWARE" "no /dev/nvidia0 or /dev/nvidiactl in the container after ${wait_limit}s: pass the GPU through (gpu_assignment)"
  fi
  log "waiting for the GPU device nodes"
  sleep 1
  waited=$((waited + 1))
done

if [[ -n "$current" ]]; then
  log "replacing NVIDIA userspace driver $current with $version"
fi
apt_install ca-certificates curl
runfile="/var/cache/phoenix/NVIDIA-Linux-x86_64-$version.run"
log "downloading the NVIDIA $version installer"
download "$url" "$runfile" 0755
log "installing NVIDIA userspace driver $version (no kernel module)"
"$R$runfile" --silent --no-kernel-module --no-x-check --no-nouveau-check --no-nvidia-modprobe --no-dkms --no-questions
rm -f "$R$runfile"

current="$(smi_version)"
[[ "$current" == "$version" ]] ||
  die "$EXIT_NO_HARDWARE" "nvidia-smi reports '${current:-nothing}' after installing $version: check the GPU passthrough"
log "done: nvidia-smi reports driver $version"
