#!/usr/bin/env bash
# Feature: zfs — ZFS pools from chosen disks, datasets, and their Proxmox storages
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: zfs.sh check|apply|undo CONFIG_JSON
#
# Pools (zfs.pools[]: name, raid_level mirror|raidz1|raidz2|stripe, disks /dev/disk/by-id/…):
# an existing pool is left alone. A disk must exist and belong to no pool. A disk that holds
# data (partitions, filesystem or RAID signatures) is wiped ONLY when its by-id name is listed
# in PHOENIX_WIPE_CONSENT (the user typed it); otherwise the step stops with exit 12 and wipes
# nothing. `zpool create` never gets -f.
# Datasets (zfs.datasets[]: name, pool, properties "k=v,k=v", proxmox_storage_type zfspool|dir,
# proxmox_content_type, storage_id): created when missing, properties set when they differ.
# Storages: added with pvesm when the ID is free; an ID that exists for something else is a
# conflict (exit 13) — a storage Phoenix did not create is never changed or removed.
# Undo removes the storages this step added and sets changed properties back; pools and datasets
# are kept (they may hold data) — the log says how to destroy them by hand.
# Check prints "@wipe <disk> <what it holds>" for every disk that would be wiped.
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config or missing disk,
# 12 a disk holds data and was not confirmed, 13 conflict (disk in another pool, storage ID taken).
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init zfs "$@"

STORAGE_CFG=/etc/pve/storage.cfg

if [[ "$HV_MODE" == undo ]]; then
  while IFS=$'\t' read -r kind name; do
    case "$kind" in
      storage)
        if grep -qE "^[a-z]+: $name\$" "$R$STORAGE_CFG" 2>/dev/null; then hv_run pvesm remove "$name"; fi
        ;;
      dataset) log "kept dataset $name (it may hold data); to remove it: zfs destroy $name" ;;
      pool) log "kept pool $name (it may hold data); to remove it: zpool destroy $name" ;;
    esac
  done < <(undo_records created)
  while IFS=$'\t' read -r key value; do
    dataset="${key%%@*}"
    hv_run zfs set "${key#*@}=$value" "$dataset"
  done < <(undo_records previous)
  exit 0
fi

pool_exists() {
  local pools
  pools="$(zpool list -H -o name 2>/dev/null || true)"
  grep -qx -- "$1" <<<"$pools"
}
dataset_exists() { zfs list -H -o name "$1" >/dev/null 2>&1; }

# The pool a device already belongs to (by its resolved /dev name), if any.
pool_of_device() {
  local dev="$1"
  zpool status -P 2>/dev/null | awk -v dev="$dev" -v root="$R" '
    /^[[:space:]]*pool:/ { pool = $2 }
    $1 ~ /^\// { path = $1; sub(/-part[0-9]+$/, "", path)
      cmd = "readlink -f \"" root path "\""; cmd | getline real; close(cmd)
      if (real == dev) { print pool; exit } }'
}

# What a device holds (partitions, signatures), empty when it is blank.
device_contents() {
  local dev="$1" parts sigs
  parts="$(lsblk -n -r -o NAME,FSTYPE "$dev" 2>/dev/null | awk 'NR > 1 { print $1 ($2 ? " (" $2 ")" : "") }' | paste -sd, -)"
  sigs="$(wipefs --noheadings --output TYPE "$dev" 2>/dev/null | paste -sd, -)"
  local out=""
  if [[ -n "$sigs" ]]; then out="signatures: $sigs"; fi
  if [[ -n "$parts" ]]; then out="${out:+$out; }partitions: $parts"; fi
  printf '%s' "$out"
}

consented() {
  local disk="$1" word
  for word in ${PHOENIX_WIPE_CONSENT:-}; do
    if [[ "$word" == "$disk" || "$word" == "$(basename "$disk")" ]]; then return 0; fi
  done
  return 1
}

# --- pools ---------------------------------------------------------------------------------
pools="$(cfg_count zfs.pools)"
if ((pools == 0)) && (($(cfg_count zfs.datasets) == 0)); then
  hv_note "no pools or datasets in the config (zfs.pools, zfs.datasets): nothing to do"
fi
for ((p = 0; p < pools; p++)); do
  pool="$(cfg "zfs.pools.$p.name")"
  [[ "$pool" =~ ^[A-Za-z][A-Za-z0-9_.:-]*$ ]] || die "$EXIT_BAD_CONTEXT" "zfs.pools[$p].name: \"$pool\" is not a pool name"
  if pool_exists "$pool"; then
    log "pool $pool exists; left as it is"
    continue
  fi
  level="$(cfg "zfs.pools.$p.raid_level" | tr '[:upper:]' '[:lower:]')"
  mapfile -t disks < <(cfg "zfs.pools.$p.disks")
  vdev=()
  case "${level:-stripe}" in
    mirror) ((${#disks[@]} >= 2)) || die "$EXIT_BAD_CONTEXT" "pool $pool: a mirror needs at least 2 disks"; vdev=(mirror) ;;
    raidz1 | raidz) ((${#disks[@]} >= 3)) || die "$EXIT_BAD_CONTEXT" "pool $pool: raidz1 needs at least 3 disks"; vdev=(raidz1) ;;
    raidz2) ((${#disks[@]} >= 4)) || die "$EXIT_BAD_CONTEXT" "pool $pool: raidz2 needs at least 4 disks"; vdev=(raidz2) ;;
    stripe | single | none) ((${#disks[@]} >= 1)) || die "$EXIT_BAD_CONTEXT" "pool $pool: no disks" ;;
    *) die "$EXIT_BAD_CONTEXT" "pool $pool: raid_level \"$level\" is not mirror, raidz1, raidz2 or stripe" ;;
  esac
  to_wipe=()
  for disk in "${disks[@]}"; do
    [[ "$disk" == /dev/disk/by-id/* ]] || die "$EXIT_BAD_CONTEXT" "pool $pool: $disk is not a /dev/disk/by-id/ name (sdX names change between boots)"
    [[ -e "$R$disk" ]] || die "$EXIT_BAD_CONTEXT" "pool $pool: disk $disk does not exist"
    dev="$(readlink -f "$R$disk")"
    owner="$(pool_of_device "$dev")"
    if [[ -n "$owner" ]]; then die "$EXIT_CONFLICT" "pool $pool: disk $disk already belongs to pool $owner"; fi
    holds="$(device_contents "${dev}")"
    if [[ -n "$holds" ]]; then
      if [[ "$HV_MODE" == check ]]; then
        printf '@wipe %s %s\n' "$disk" "$holds"
      elif ! consented "$disk"; then
        die "$EXIT_NEEDS_CONSENT" "disk $disk holds data ($holds); nothing was wiped. Type its by-id name to confirm: phoenix setup --wipe $(basename "$disk")"
      fi
      to_wipe+=("$dev")
    fi
  done
  if hv_want command "zpool create -o ashift=12 -O compression=lz4 -O atime=off -O xattr=sa -O acltype=posixacl $pool ${vdev[*]} ${disks[*]}" "creating pool $pool (${level:-stripe}: ${disks[*]})"; then
    for dev in "${to_wipe[@]}"; do hv_run wipefs --all "$dev"; done
    hv_run zpool create -o ashift=12 -O compression=lz4 -O atime=off -O xattr=sa -O acltype=posixacl \
      "$pool" "${vdev[@]}" "${disks[@]}"
    hv_created pool "$pool"
  else
    for dev in "${to_wipe[@]}"; do hv_plan command "wipefs --all ${dev#"$R"}"; done
  fi
done

# --- datasets and storages -----------------------------------------------------------------
storage_line() { awk -v id="$1" '$0 ~ "^[a-z]+: " && $2 == id { print substr($1, 1, length($1) - 1); exit }' "$R$STORAGE_CFG" 2>/dev/null; }
storage_value() {
  awk -v id="$1" -v key="$2" '
    /^[a-z]+: / { inside = ($2 == id); next }
    inside && $1 == key { print $2; exit }' "$R$STORAGE_CFG" 2>/dev/null
}

datasets="$(cfg_count zfs.datasets)"
for ((d = 0; d < datasets; d++)); do
  name="$(cfg "zfs.datasets.$d.name")"
  pool="$(cfg "zfs.datasets.$d.pool")"
  [[ -n "$name" && -n "$pool" ]] || die "$EXIT_BAD_CONTEXT" "zfs.datasets[$d] needs name and pool"
  full="$pool/$name"
  IFS=',' read -r -a props <<<"$(cfg "zfs.datasets.$d.properties")"
  if ! dataset_exists "$full"; then
    options=()
    for prop in "${props[@]}"; do
      prop="${prop// /}"
      if [[ -n "$prop" ]]; then options+=(-o "$prop"); fi
    done
    if hv_want command "zfs create ${options[*]}${options[*]:+ }$full" "creating dataset $full"; then
      hv_run zfs create "${options[@]}" "$full"
      hv_created dataset "$full"
    fi
  else
    for prop in "${props[@]}"; do
      prop="${prop// /}"
      [[ -n "$prop" ]] || continue
      current="$(zfs get -H -o value "${prop%%=*}" "$full")"
      if [[ "$current" != "${prop#*=}" ]]; then
        if hv_want command "zfs set $prop $full" "setting $prop on $full (was $current)"; then
          hv_previous "$full@${prop%%=*}" "$current"
          hv_run zfs set "$prop" "$full"
        fi
      fi
    done
  fi

  type="$(cfg "zfs.datasets.$d.proxmox_storage_type")"
  [[ -n "$type" ]] || continue
  id="$(cfg "zfs.datasets.$d.storage_id")"
  id="${id:-$pool-${name//\//-}}"
  content="$(cfg "zfs.datasets.$d.proxmox_content_type")"
  case "$type" in
    zfspool) want_key=pool want="$full" content="${content:-images,rootdir}" ;;
    dir) want_key=path want="/$full" content="${content:-iso,vztmpl,backup}" ;;
    *) die "$EXIT_BAD_CONTEXT" "zfs.datasets[$d].proxmox_storage_type: \"$type\" is not zfspool or dir" ;;
  esac
  existing="$(storage_line "$id")"
  if [[ -n "$existing" ]]; then
    if [[ "$existing" != "$type" || "$(storage_value "$id" "$want_key")" != "$want" ]]; then
      die "$EXIT_CONFLICT" "storage $id already exists ($existing, $want_key $(storage_value "$id" "$want_key")) and is not dataset $full; Phoenix never changes a storage it did not create — set zfs.datasets[$d].storage_id to another ID"
    fi
    log "storage $id is in place"
    continue
  fi
  args=(pvesm add "$type" "$id" "--$want_key" "$want" --content "$content")
  if [[ "$type" == dir ]]; then args+=(--is_mountpoint yes); fi
  if hv_want command "${args[*]}" "registering $full as Proxmox storage $id"; then
    hv_run "${args[@]}"
    hv_created storage "$id"
  fi
done
hv_finish
