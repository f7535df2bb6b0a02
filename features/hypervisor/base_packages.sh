#!/usr/bin/env bash
# Feature: base_packages — tools an admin expects on the host (curl, jq, htop, tmux, …)
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: base_packages.sh check|apply|undo CONFIG_JSON
#
# Installs only the packages dpkg does not report as installed (no missing package: no apt call).
# Undo removes exactly the packages this step installed (never one that was there before).
# Config: setup.base_packages (default: curl jq htop tmux vim-tiny smartmontools ethtool
# lm-sensors).
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config, 6 apt-get failed,
# 75 apt/dpkg lock held too long.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init base_packages "$@"

if [[ "$HV_MODE" == undo ]]; then
  remove=()
  while IFS=$'\t' read -r kind name; do
    if [[ "$kind" == package ]] && pkg_installed "$name"; then remove+=("$name"); fi
  done < <(undo_records created)
  if ((${#remove[@]} > 0)); then
    log "removing the packages phoenix setup installed: ${remove[*]}"
    apt_run remove -y -q "${remove[@]}"
  fi
  exit 0
fi

mapfile -t packages < <(cfg setup.base_packages)
if ((${#packages[@]} == 0)); then
  packages=(curl jq htop tmux vim-tiny smartmontools ethtool lm-sensors)
fi
for pkg in "${packages[@]}"; do
  [[ "$pkg" =~ ^[a-z0-9][a-z0-9.+-]*(=[A-Za-z0-9.+:~-]+)?$ ]] ||
    die "$EXIT_BAD_CONTEXT" "setup.base_packages: \"$pkg\" is not a Debian package name"
done

missing=()
for pkg in "${packages[@]}"; do
  if ! pkg_installed "$pkg"; then missing+=("$pkg"); fi
done
if ((${#missing[@]} > 0)); then
  if hv_want command "apt-get install -y ${missing[*]}" "installing ${missing[*]}"; then
    hv_journal command "apt-get install -y ${missing[*]}"
    apt_install "${missing[@]}"
    for pkg in "${missing[@]}"; do hv_created package "${pkg%%=*}"; done
  fi
else
  log "already installed: ${packages[*]}"
fi
hv_finish
