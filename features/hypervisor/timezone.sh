#!/usr/bin/env bash
# Feature: timezone — host time zone and NTP time sync (chrony)
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: timezone.sh check|apply|undo CONFIG_JSON
#
# Sets the time zone with timedatectl when it differs, installs chrony when no NTP client is
# installed, and turns NTP on. Undo puts back the previous time zone and NTP setting.
# Config: timezone (e.g. Europe/Berlin; absent: the time zone is left alone), setup.ntp (default
# true).
# Exit codes: 0 in place/done, 10 check: changes needed, 2 unknown time zone, 6 apt-get failed.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init timezone "$@"

if [[ "$HV_MODE" == undo ]]; then
  while IFS=$'\t' read -r key value; do
    case "$key" in
      timezone) hv_run timedatectl set-timezone "$value" ;;
      ntp) hv_run timedatectl set-ntp "$value" ;;
    esac
  done < <(undo_records previous)
  exit 0
fi

zone="$(cfg timezone)"
if [[ -n "$zone" ]]; then
  [[ "$zone" =~ ^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$ && -e "$R/usr/share/zoneinfo/$zone" ]] ||
    die "$EXIT_BAD_CONTEXT" "timezone: \"$zone\" is not a known time zone (see timedatectl list-timezones)"
  current="$(timedatectl show -p Timezone --value)"
  if [[ "$current" != "$zone" ]]; then
    if hv_want command "timedatectl set-timezone $zone" "time zone $current → $zone"; then
      hv_previous timezone "$current"
      hv_run timedatectl set-timezone "$zone"
    fi
  else
    log "time zone is already $zone"
  fi
fi

if [[ "$(cfg setup.ntp)" != false ]]; then
  if ! pkg_installed chrony && ! pkg_installed systemd-timesyncd && ! pkg_installed ntpsec; then
    if hv_want command "apt-get install -y chrony" "installing chrony for NTP"; then
      hv_journal command "apt-get install -y chrony"
      apt_install chrony
      hv_created package chrony
    fi
  fi
  ntp="$(timedatectl show -p NTP --value)"
  if [[ "$ntp" != yes ]]; then
    if hv_want command "timedatectl set-ntp true" "turning NTP time sync on"; then
      hv_previous ntp false
      hv_run timedatectl set-ntp true
    fi
  else
    log "NTP time sync is on"
  fi
fi
hv_finish
