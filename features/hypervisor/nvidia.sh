#!/usr/bin/env bash
# Feature: nvidia — NVIDIA driver on the host (DKMS, survives kernel upgrades); resumes after reboot
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: nvidia.sh check|apply|undo CONFIG_JSON
#
# Only when nvidia_driver.install is true. Needs an NVIDIA GPU on the PCI bus (lspci). Refuses
# (exit 13) when the host binds NVIDIA GPUs to vfio-pci or blacklists the nvidia module — a host
# driver and VFIO passthrough of the same GPU are conflicting goals. Otherwise: kernel headers and
# DKMS, nouveau blacklisted (/etc/modprobe.d/phoenix-blacklist-nouveau.conf), the runfile
# (nvidia_driver.runfile_url, default the NVIDIA download of nvidia_driver.version) cached in
# /var/cache/phoenix_hypervisor/ and installed with --dkms, initramfs updated; then it exits 11:
# the host must reboot. The marker /var/lib/phoenix_hypervisor/setup/nvidia-pending records the
# version and the boot it was installed in. After the reboot the next run finds the driver
# answering in nvidia-smi with the configured version, removes the marker and is done (0).
# Undo restores the blacklist file from the journal; the driver itself stays (remove it with
# the runfile's --uninstall).
# Exit codes: 0 in place/done, 10 check: changes needed, 11 reboot required (check: still
# waiting for it), 1 driver not answering after the reboot, 2 bad config, 4 no NVIDIA GPU,
# 5 download failed, 6 apt-get failed, 13 VFIO conflict.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init nvidia "$@"

MARKER=/var/lib/phoenix_hypervisor/setup/nvidia-pending
BLACKLIST=/etc/modprobe.d/phoenix-blacklist-nouveau.conf
CACHE=/var/cache/phoenix_hypervisor

if [[ "$HV_MODE" == undo ]]; then
  log "the driver stays installed; to remove it: sh $CACHE/NVIDIA-Linux-x86_64-<version>.run --uninstall"
  exit 0
fi

if [[ "$(cfg nvidia_driver.install)" != true ]]; then
  hv_note "nvidia_driver.install is not true: nothing to do"
  hv_finish
fi
version="$(cfg nvidia_driver.version)"
[[ "$version" =~ ^[0-9]+(\.[0-9]+)+$ ]] || die "$EXIT_BAD_CONTEXT" "nvidia_driver.version: \"$version\" is not a driver version (580.76.05)"
url="$(cfg nvidia_driver.runfile_url)"
url="${url:-https://us.download.nvidia.com/XFree86/Linux-x86_64/$version/NVIDIA-Linux-x86_64-$version.run}"
runfile="$CACHE/NVIDIA-Linux-x86_64-$version.run"
boot_id="$(cat "$R/proc/sys/kernel/random/boot_id" 2>/dev/null || echo unknown)"

gpus="$(lspci -nn 2>/dev/null | grep -E 'VGA|3D|Display' || true)"
if ! grep -q '\[10de:' <<<"$gpus"; then
  die "$EXIT_NO_HARDWARE" "no NVIDIA GPU on the PCI bus (lspci); set nvidia_driver.install to false"
fi
if grep -hsE '^[[:space:]]*(blacklist[[:space:]]+nvidia([[:space:]]|$)|options[[:space:]]+vfio-pci[[:space:]].*ids=.*10de:)' "$R"/etc/modprobe.d/*.conf >/dev/null; then
  die "$EXIT_CONFLICT" "/etc/modprobe.d binds NVIDIA GPUs to vfio-pci or blacklists nvidia (GPU passthrough to VMs); a host driver would conflict — remove those lines or set nvidia_driver.install to false"
fi

loaded="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader 2>/dev/null | head -n1 || true)"
if [[ "$loaded" == "$version" ]]; then
  log "driver $version is loaded"
  if [[ -e "$R$MARKER" ]] && hv_want note "resuming after the reboot: driver $version answers" "resumed after the reboot: the driver answers"; then
    rm -f "$R$MARKER"
  fi
  hv_finish
fi

if [[ -e "$R$MARKER" ]] && [[ "$(sed -n 's/^version=//p' "$R$MARKER")" == "$version" ]]; then
  if [[ "$(sed -n 's/^boot_id=//p' "$R$MARKER")" == "$boot_id" ]]; then
    printf '@reboot driver %s installed; reboot the host, then run phoenix setup again\n' "$version"
    log "driver $version is installed and waits for a reboot"
    exit "$EXIT_REBOOT_REQUIRED"
  fi
  die "$EXIT_FAILED" "driver $version was installed before the last reboot but nvidia-smi does not answer (${loaded:-no driver}); see dmesg | grep -i nvidia, and check Secure Boot"
fi

headers=(proxmox-default-headers build-essential dkms pkg-config)
if hv_want command "apt-get install -y ${headers[*]}" "installing kernel headers and DKMS"; then
  hv_journal command "apt-get install -y ${headers[*]}"
  apt_install "${headers[@]}"
fi
if hv_want file "$BLACKLIST" "blacklisting nouveau"; then
  printf 'blacklist nouveau\noptions nouveau modeset=0\n' | hv_write_file "$BLACKLIST" 0644
fi
if [[ ! -s "$R$runfile" ]]; then
  if hv_want command "curl -fsSL -o $runfile $url" "downloading the NVIDIA driver $version"; then
    hv_journal command "curl -fsSL -o $runfile $url"
    download "$url" "$runfile" 0755
  fi
fi
installer=(bash "$R$runfile" --silent --dkms --no-x-check --no-nouveau-check --no-opengl-files --accept-license)
if hv_want command "bash $runfile --silent --dkms --no-x-check --no-nouveau-check --no-opengl-files --accept-license" "installing the NVIDIA driver $version"; then
  hv_run "${installer[@]}"
  hv_run update-initramfs -u
  printf 'version=%s\nboot_id=%s\n' "$version" "$boot_id" | ensure_file "$MARKER" 0644
  hv_created driver "$version"
  log "driver $version installed; reboot the host, then run phoenix setup again to finish"
  exit "$EXIT_REBOOT_REQUIRED"
fi
hv_plan command "update-initramfs -u"
hv_plan reboot "the host reboots once the driver is installed (phoenix setup resumes afterwards)"
hv_finish
