#!/usr/bin/env bash
# Feature: repositories — Proxmox no-subscription apt repository; enterprise sources disabled, never deleted
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: repositories.sh check|apply|undo CONFIG_JSON
#
# A fresh Proxmox VE host points apt at the enterprise repository, which answers 401 without a
# subscription, so every apt-get update fails. This step (only when no subscription is active):
#   - disables every enterprise source (pve-enterprise, ceph enterprise): deb822 .sources files
#     get "Enabled: no" (PVE 9 / Debian 13 trixie), one-line .list files are commented out —
#     the files stay, so re-enabling is one edit;
#   - adds /etc/apt/sources.list.d/phoenix-pve-no-subscription.sources (or .list before trixie);
#   - runs apt-get update (retried over IPv4 when IPv6 is broken).
# Config: setup.repositories.no_subscription (default true), setup.repositories.ceph (default
# false: also add Ceph's no-subscription repository, e.g. "squid").
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config, 3 not Debian/Proxmox,
# 6 apt-get failed.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init repositories "$@"

NO_SUB_SOURCES=/etc/apt/sources.list.d/phoenix-pve-no-subscription.sources
NO_SUB_LIST=/etc/apt/sources.list.d/phoenix-pve-no-subscription.list
KEYRING=/usr/share/keyrings/proxmox-archive-keyring.gpg

if [[ "$HV_MODE" == undo ]]; then
  # The files were restored by Phoenix from the journal; refresh the lists to match.
  apt_run update -q
  exit 0
fi

read_os_release
case "$OS_CODENAME" in
  trixie | bookworm | bullseye) ;;
  *) die "$EXIT_UNSUPPORTED" "Debian ${OS_CODENAME:-unknown} is not a Proxmox VE release (expected trixie or bookworm)" ;;
esac

if [[ "$(cfg setup.repositories.no_subscription)" == false ]]; then
  hv_note "setup.repositories.no_subscription is false: repositories left as they are"
  hv_finish
fi

subscription_active() {
  command -v pvesubscription >/dev/null 2>&1 || return 1
  local status
  status="$(pvesubscription get 2>/dev/null || true)"
  grep -qiE '^status:[[:space:]]*active' <<<"$status"
}

# Enabled sources that point at enterprise.proxmox.com, one path a line.
enterprise_files() {
  local file
  for file in "$R"/etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk '
      function flush() { if (ent && !off) found = 1; ent = 0; off = 0 }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      /enterprise\.proxmox\.com/ { ent = 1 }
      tolower($0) ~ /^enabled:[[:space:]]*(no|false)/ { off = 1 }
      END { flush(); exit found ? 0 : 1 }' "$file" && printf '%s\n' "${file#"$R"}"
  done
  for file in "$R"/etc/apt/sources.list "$R"/etc/apt/sources.list.d/*.list; do
    [[ -f "$file" ]] || continue
    grep -qE '^[[:space:]]*deb(-src)?[[:space:]].*enterprise\.proxmox\.com' "$file" &&
      printf '%s\n' "${file#"$R"}"
  done
  return 0
}

# The enabled sources already offer pve-no-subscription.
no_subscription_present() {
  local file
  for file in "$R"/etc/apt/sources.list.d/*.sources; do
    [[ -f "$file" ]] || continue
    awk '
      function flush() { if (dl && ns && !off) found = 1; dl = 0; ns = 0; off = 0 }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      /download\.proxmox\.com\/debian\/pve/ { dl = 1 }
      /pve-no-subscription/ { ns = 1 }
      tolower($0) ~ /^enabled:[[:space:]]*(no|false)/ { off = 1 }
      END { flush(); exit found ? 0 : 1 }' "$file" && return 0
  done
  cat "$R"/etc/apt/sources.list "$R"/etc/apt/sources.list.d/*.list 2>/dev/null |
    grep -qE '^[[:space:]]*deb[[:space:]].*download\.proxmox\.com/debian/pve.*pve-no-subscription'
}

# disable_file <host path>: the same file with its enterprise sources switched off.
disable_file() {
  local path="$1"
  if [[ "$path" == *.sources ]]; then
    awk '
      function flush(   i) {
        for (i = 1; i <= n; i++) if (!(ent && tolower(buf[i]) ~ /^enabled:/)) print buf[i]
        if (ent) print "Enabled: no"
        n = 0; ent = 0
      }
      /^[[:space:]]*$/ { flush(); print; next }
      { buf[++n] = $0; if ($0 !~ /^[[:space:]]*#/ && /enterprise\.proxmox\.com/) ent = 1 }
      END { flush() }' "$R$path"
  else
    sed -E 's/^([[:space:]]*deb(-src)?[[:space:]].*enterprise\.proxmox\.com.*)$/# disabled by phoenix setup (no subscription): \1/' "$R$path"
  fi
}

changed=0
if subscription_active; then
  hv_note "a Proxmox subscription is active: the enterprise repository stays enabled"
else
  while IFS= read -r file; do
    [[ -n "$file" ]] || continue
    if hv_want file "$file" "disabling the enterprise repository in $file (kept, not deleted)"; then
      disable_file "$file" | hv_write_file "$file" "$(stat -c %a "$R$file")"
      changed=1
    fi
  done < <(enterprise_files)
fi

if ! no_subscription_present; then
  if [[ ! -e "$R$KEYRING" ]]; then
    hv_note "the Proxmox archive key $KEYRING is missing; apt will refuse the repository until proxmox-archive-keyring is installed"
  fi
  if [[ "$OS_CODENAME" == trixie ]]; then
    if hv_want file "$NO_SUB_SOURCES" "adding the pve-no-subscription repository"; then
      {
        printf 'Types: deb\nURIs: http://download.proxmox.com/debian/pve\nSuites: %s\n' "$OS_CODENAME"
        printf 'Components: pve-no-subscription\nSigned-By: %s\n' "$KEYRING"
        if [[ -n "$(cfg setup.repositories.ceph)" ]]; then
          printf '\nTypes: deb\nURIs: http://download.proxmox.com/debian/ceph-%s\nSuites: %s\n' \
            "$(cfg setup.repositories.ceph)" "$OS_CODENAME"
          printf 'Components: no-subscription\nSigned-By: %s\n' "$KEYRING"
        fi
      } | hv_write_file "$NO_SUB_SOURCES" 0644
      changed=1
    fi
  else
    if hv_want file "$NO_SUB_LIST" "adding the pve-no-subscription repository"; then
      printf 'deb http://download.proxmox.com/debian/pve %s pve-no-subscription\n' "$OS_CODENAME" |
        hv_write_file "$NO_SUB_LIST" 0644
      changed=1
    fi
  fi
fi

if [[ "$HV_MODE" == check && "$HV_CHANGES" == 1 ]]; then hv_plan command "apt-get update"; fi
if ((changed)); then
  hv_journal command "apt-get update"
  apt_run update -q
fi
hv_finish
