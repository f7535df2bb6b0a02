#!/usr/bin/env bash
# Feature: admin_user — host administrator: Linux user, <user>@pam Proxmox Administrator, SSH key
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: admin_user.sh check|apply|undo CONFIG_JSON
#
# For each entry of `users`: creates the Linux user (home, bash) when missing, sets its password
# from the crypt(3) hash (chpasswd -e, the hash on stdin — never a plaintext password, never on a
# command line) when the shadow entry differs, adds it to sudo (sudo_access), creates
# <user>@pam in Proxmox with the Administrator role on /, and appends its SSH key to
# ~/.ssh/authorized_keys. A user that already exists is completed, never recreated.
# Undo removes only what this step created (the ACL, the Proxmox user, the sudo membership, the
# Linux user — its home directory is kept); authorized_keys is restored from the journal.
# Config: users[].username, .password_hash, .sudo_access, .ssh_public_key.
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init admin_user "$@"

USER_CFG=/etc/pve/user.cfg

if [[ "$HV_MODE" == undo ]]; then
  while IFS=$'\t' read -r kind name; do
    case "$kind" in
      pve-acl) hv_run pveum acl delete / --users "$name@pam" --roles Administrator ;;
      pve-user) hv_run pveum user delete "$name@pam" ;;
      sudo-member) hv_run gpasswd -d "$name" sudo ;;
      user)
        if getent passwd "$name" >/dev/null; then
          hv_run userdel "$name"
          log "kept the home directory of $name"
        fi
        ;;
    esac
  done < <(undo_records created)
  exit 0
fi

pve_user_exists() { grep -qE "^user:$1@pam:" "$R$USER_CFG" 2>/dev/null; }
pve_admin_acl() {
  awk -F: -v u="$1@pam" '$1 == "acl" && $3 == "/" && $5 == "Administrator" {
      n = split($4, users, ","); for (i = 1; i <= n; i++) if (users[i] == u) found = 1 }
    END { exit found ? 0 : 1 }' "$R$USER_CFG" 2>/dev/null
}
shadow_hash() { awk -F: -v u="$1" '$1 == u { print $2 }' "$R/etc/shadow" 2>/dev/null; }

count="$(cfg_count users)"
if ((count == 0)); then
  hv_note "no users in the config: nothing to do"
  hv_finish
fi

for ((i = 0; i < count; i++)); do
  name="$(cfg "users.$i.username")"
  [[ "$name" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "$EXIT_BAD_CONTEXT" "users[$i].username: \"$name\" is not a Linux user name"
  [[ "$name" != root ]] || die "$EXIT_BAD_CONTEXT" "users[$i].username: root is not an admin user Phoenix manages"
  hash="$(cfg "users.$i.password_hash")"
  if [[ "$hash" == NOT_SET ]]; then hash=""; fi
  if [[ -n "$hash" && ! "$hash" =~ ^\$(1|2[abxy]?|5|6|y|gy)\$ ]]; then
    die "$EXIT_BAD_CONTEXT" "users[$i].password_hash is not a crypt(3) hash (make one with: openssl passwd -6)"
  fi
  key="$(cfg "users.$i.ssh_public_key")"
  sudo_access="$(cfg "users.$i.sudo_access")"

  new_user=0
  if ! getent passwd "$name" >/dev/null; then
    new_user=1
    if hv_want command "useradd --create-home --shell /bin/bash $name" "creating the Linux user $name"; then
      hv_run useradd --create-home --shell /bin/bash "$name"
      hv_created user "$name"
    fi
  fi
  if [[ -n "$hash" && "$(shadow_hash "$name")" != "$hash" ]]; then
    if hv_want command "chpasswd -e (the password hash of $name, on stdin)" "setting the password of $name from its hash"; then
      hv_journal command "chpasswd -e (hash on stdin)"
      printf '%s:%s\n' "$name" "$hash" | chpasswd -e
    fi
  fi
  if [[ "$sudo_access" == true ]]; then
    members="$(getent group sudo | cut -d: -f4 || true)"
    if ((new_user)) || [[ ",$members," != *",$name,"* ]]; then
      if hv_want command "usermod -aG sudo $name" "adding $name to sudo"; then
        hv_run usermod -aG sudo "$name"
        hv_created sudo-member "$name"
      fi
    fi
  fi
  if ! pve_user_exists "$name"; then
    if hv_want command "pveum user add $name@pam" "creating the Proxmox user $name@pam"; then
      hv_run pveum user add "$name@pam" --comment "admin (phoenix setup)"
      hv_created pve-user "$name"
    fi
  fi
  if ! pve_admin_acl "$name"; then
    if hv_want command "pveum acl modify / --users $name@pam --roles Administrator" "granting $name@pam the Administrator role on /"; then
      hv_run pveum acl modify / --users "$name@pam" --roles Administrator
      hv_created pve-acl "$name"
    fi
  fi
  if [[ -n "$key" ]]; then
    home="$(getent passwd "$name" | cut -d: -f6 || true)"
    home="${home:-/home/$name}"
    keys="$home/.ssh/authorized_keys"
    if ! grep -qxF -- "$key" "$R$keys" 2>/dev/null; then
      hv_plan command "chown $name: $home/.ssh $keys"
      if hv_want file "$keys" "adding the SSH key to $keys"; then
        ids="$(getent passwd "$name" | cut -d: -f3,4 || true)"
        ensure_dir "$home/.ssh" 0700
        { cat "$R$keys" 2>/dev/null || true; printf '%s\n' "$key"; } | hv_write_file "$keys" 0600
        hv_run chown "$ids" "$R$home/.ssh" "$R$keys"
      fi
    fi
  fi
done
hv_finish
