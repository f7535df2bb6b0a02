#!/usr/bin/env bash
# Feature: samba — Samba shares of host folders, in their own file included from smb.conf
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: samba.sh check|apply|undo CONFIG_JSON
#
# Installs samba when missing, creates the shared folders that do not exist (mode 2770, owned
# by samba.user), writes the shares to /etc/samba/phoenix-shares.conf and appends one line,
# "include = /etc/samba/phoenix-shares.conf", to /etc/samba/smb.conf when it is missing —
# smb.conf is never regenerated, and a share name it already defines is left to it. No Samba
# password is ever stored or set by Phoenix: a user without one gets a note to run smbpasswd.
# Undo: both files are restored from the journal, then smbd reloads; package and folders stay.
# Config: samba.user, samba.shares[] (name, path — relative to mount_point_base unless absolute,
# valid_users[], browsable, read_only, guest_ok), mount_point_base (default /mnt/pve).
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config, 6 apt-get failed.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init samba "$@"

SHARES=/etc/samba/phoenix-shares.conf
SMB_CONF=/etc/samba/smb.conf

if [[ "$HV_MODE" == undo ]]; then
  if systemctl is-active --quiet smbd 2>/dev/null; then hv_run systemctl reload smbd; fi
  exit 0
fi

count="$(cfg_count samba.shares)"
if ((count == 0)); then
  hv_note "no shares in the config (samba.shares): nothing to do"
  hv_finish
fi
user="$(cfg samba.user)"
[[ "$user" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "$EXIT_BAD_CONTEXT" "samba.user: \"$user\" is not a Linux user name"
base="$(cfg mount_point_base)"
base="${base:-/mnt/pve}"
yes_no() { if [[ "$1" == true ]]; then echo yes; else echo no; fi; }

content="# Written by phoenix setup from samba.shares in phoenix_hypervisor_config.json.
"
for ((i = 0; i < count; i++)); do
  name="$(cfg "samba.shares.$i.name")"
  path="$(cfg "samba.shares.$i.path")"
  [[ "$name" =~ ^[A-Za-z0-9_.-]+$ ]] || die "$EXIT_BAD_CONTEXT" "samba.shares[$i].name: \"$name\" is not a share name"
  [[ -n "$path" && "$path" != *..* ]] || die "$EXIT_BAD_CONTEXT" "samba.shares[$i].path: \"$path\" is not a folder"
  if [[ "$path" != /* ]]; then path="$base/$path"; fi
  if grep -sqiE "^[[:space:]]*\[$name\][[:space:]]*$" "$R$SMB_CONF"; then
    hv_note "share [$name] is already defined in $SMB_CONF; left to it"
    continue
  fi
  if [[ ! -d "$R$path" ]]; then
    hv_plan command "chmod 2770 $path; chown $user $path"
    if hv_want command "mkdir -p $path" "creating the shared folder $path"; then
      hv_journal command "mkdir -p $path"
      mkdir -p "$R$path"
      chmod 2770 "$R$path"
      ids="$(getent passwd "$user" | cut -d: -f3,4 || true)"
      if [[ -n "$ids" ]]; then hv_run chown "$ids" "$R$path"; fi
    fi
  fi
  valid="$(cfg "samba.shares.$i.valid_users" | paste -sd' ' -)"
  browsable="$(cfg "samba.shares.$i.browsable")"
  content+="
[$name]
   path = $path
   browseable = $(yes_no "${browsable:-true}")
   read only = $(yes_no "$(cfg "samba.shares.$i.read_only")")
   guest ok = $(yes_no "$(cfg "samba.shares.$i.guest_ok")")
   valid users = ${valid:-$user}
   force group = $user
   create mask = 0660
   directory mask = 2770
"
done

if ! pkg_installed samba; then
  if hv_want command "apt-get install -y samba" "installing Samba"; then
    hv_journal command "apt-get install -y samba"
    apt_install samba
    hv_created package samba
  fi
fi
changed=0
if [[ "$(cat "$R$SHARES" 2>/dev/null; printf x)" != "${content}x" ]]; then
  if hv_want file "$SHARES" "writing the shares to $SHARES"; then
    printf '%s' "$content" | hv_write_file "$SHARES" 0644
    changed=1
  fi
fi
if ! grep -sqE "^[[:space:]]*include[[:space:]]*=[[:space:]]*${SHARES}[[:space:]]*$" "$R$SMB_CONF"; then
  if hv_want file "$SMB_CONF" "appending 'include = $SHARES' to $SMB_CONF"; then
    { cat "$R$SMB_CONF" 2>/dev/null || true; printf '\n# Shares managed by phoenix setup\ninclude = %s\n' "$SHARES"; } |
      hv_write_file "$SMB_CONF" 0644
    changed=1
  fi
fi
if [[ "$HV_MODE" == check && "$HV_CHANGES" == 1 ]]; then
  hv_plan command "systemctl enable --now smbd (when not running)"
  hv_plan command "systemctl reload smbd"
fi
if ((changed)); then
  if ! systemctl is-enabled --quiet smbd 2>/dev/null || ! systemctl is-active --quiet smbd 2>/dev/null; then
    hv_run systemctl enable --now smbd
  fi
  hv_run systemctl reload smbd
fi
if ! pdbedit -L -u "$user" >/dev/null 2>&1; then
  hv_note "Samba user $user has no Samba password yet (Phoenix never stores one): run smbpasswd -a $user"
fi
hv_finish
