#!/usr/bin/env bash
# Feature: nfs — NFS exports of host folders, in their own file (never /etc/exports)
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: nfs.sh check|apply|undo CONFIG_JSON
#
# Installs nfs-kernel-server when missing, creates the exported folders that do not exist
# (mode 0755; existing folders keep their owner and mode — never chmod 777), writes
# /etc/exports.d/phoenix.exports from nfs.exports[] (path, clients[], options[]) and reloads
# the exports (exportfs -ra). /etc/exports is never written; a path it already exports is left
# to it. Undo: the exports file is restored from the journal, then exportfs -ra; the package
# and the folders stay.
# Config: nfs.exports[].path, .clients[], .options[] (default rw,sync,no_subtree_check).
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config, 6 apt-get failed.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init nfs "$@"

EXPORTS=/etc/exports.d/phoenix.exports

if [[ "$HV_MODE" == undo ]]; then
  if command -v exportfs >/dev/null 2>&1; then hv_run exportfs -ra; fi
  exit 0
fi

count="$(cfg_count nfs.exports)"
if ((count == 0)); then
  hv_note "no exports in the config (nfs.exports): nothing to do"
  hv_finish
fi

content="# Written by phoenix setup from nfs.exports in phoenix_hypervisor_config.json.
"
for ((i = 0; i < count; i++)); do
  path="$(cfg "nfs.exports.$i.path")"
  [[ "$path" == /* && "$path" != *[[:space:]\"]* ]] || die "$EXIT_BAD_CONTEXT" "nfs.exports[$i].path: \"$path\" must be an absolute path without spaces"
  mapfile -t clients < <(cfg "nfs.exports.$i.clients")
  ((${#clients[@]} > 0)) || die "$EXIT_BAD_CONTEXT" "nfs.exports[$i].clients: at least one client (10.0.0.0/24, a host name or *)"
  options="$(cfg "nfs.exports.$i.options" | paste -sd, -)"
  options="${options:-rw,sync,no_subtree_check}"
  [[ "$options" =~ ^[a-z_=0-9,]+$ ]] || die "$EXIT_BAD_CONTEXT" "nfs.exports[$i].options: \"$options\" are not export options"
  if grep -sqE "^[[:space:]]*\"?${path//./\\.}\"?[[:space:]]" "$R/etc/exports"; then
    hv_note "$path is already exported in /etc/exports; left to it"
    continue
  fi
  if [[ ! -d "$R$path" ]]; then
    if hv_want command "mkdir -p $path" "creating the exported folder $path"; then
      hv_journal command "mkdir -p $path"
      mkdir -p "$R$path"
      chmod 0755 "$R$path"
    fi
  fi
  line="$path"
  for client in "${clients[@]}"; do
    [[ "$client" =~ ^[A-Za-z0-9.*:/_-]+$ ]] || die "$EXIT_BAD_CONTEXT" "nfs.exports[$i].clients: \"$client\" is not a client"
    line+=" $client($options)"
  done
  content+="$line
"
done

if ! pkg_installed nfs-kernel-server; then
  if hv_want command "apt-get install -y nfs-kernel-server" "installing the NFS server"; then
    hv_journal command "apt-get install -y nfs-kernel-server"
    apt_install nfs-kernel-server
    hv_created package nfs-kernel-server
  fi
fi
if [[ "$(cat "$R$EXPORTS" 2>/dev/null; printf x)" != "${content}x" ]]; then
  if hv_want file "$EXPORTS" "writing the exports to $EXPORTS"; then
    printf '%s' "$content" | hv_write_file "$EXPORTS" 0644
  fi
  hv_plan command "systemctl enable --now nfs-server"
  hv_plan command "exportfs -ra"
  if [[ "$HV_MODE" == apply ]]; then
    hv_run systemctl enable --now nfs-server
    hv_run exportfs -ra
  fi
fi
hv_finish
