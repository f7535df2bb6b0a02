#!/usr/bin/env bash
# Feature: network — checks the management bridge; adds the internal NAT bridge as a new stanza
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: network.sh check|apply|undo CONFIG_JSON
#
# /etc/network/interfaces is never rewritten: the management bridge (network.interfaces.name,
# default vmbr0) is only checked — changing it over SSH can cut the host off, so a missing or
# different bridge is reported with its fix. The internal bridge (network.internal_bridge: name,
# subnet), when configured and not defined anywhere yet, is written as its own file
# /etc/network/interfaces.d/phoenix-<name>.cfg (host address .1, no ports, NAT to the management
# bridge); the line "source /etc/network/interfaces.d/*" is appended to /etc/network/interfaces
# when it is missing. Then ifreload -a. A bridge defined by someone else is never touched.
# /etc/resolv.conf is never written.
# Undo: the files are restored from the journal, then ifreload -a.
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init network "$@"

INTERFACES=/etc/network/interfaces

if [[ "$HV_MODE" == undo ]]; then
  hv_run ifreload -a
  exit 0
fi

# The file (host path) that defines iface <name>, if any.
defined_in() {
  local file
  for file in "$R$INTERFACES" "$R"/etc/network/interfaces.d/*; do
    [[ -f "$file" ]] || continue
    if grep -qE "^[[:space:]]*iface[[:space:]]+$1[[:space:]]" "$file"; then
      printf '%s\n' "${file#"$R"}"
      return 0
    fi
  done
  return 1
}

management="$(cfg network.interfaces.name)"
management="${management:-vmbr0}"
if file="$(defined_in "$management")"; then
  log "management bridge $management is defined in $file"
  address="$(cfg network.interfaces.address)"
  if [[ -n "$address" ]] && ! awk -v b="$management" -v a="$address" '
      $1 == "iface" { inside = ($2 == b) } inside && $1 == "address" && $2 == a { found = 1 }
      END { exit found ? 0 : 1 }' "$R$file"; then
    hv_note "management bridge $management does not have address $address in $file; Phoenix leaves the management interface alone — change it in the Proxmox web UI (System > Network) if needed"
  fi
else
  hv_note "management bridge $management is not defined in $INTERFACES; Phoenix does not create the management interface (it could cut this SSH session) — create it in the Proxmox web UI (System > Network)"
fi

bridge="$(cfg network.internal_bridge.name)"
if [[ -z "$bridge" ]]; then
  hv_note "no internal bridge in the config (network.internal_bridge): only the checks above"
else
  subnet="$(cfg network.internal_bridge.subnet)"
  [[ "$bridge" =~ ^vmbr[0-9]+$ ]] || die "$EXIT_BAD_CONTEXT" "network.internal_bridge.name: \"$bridge\" is not a Proxmox bridge name (vmbrN)"
  [[ "$subnet" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)\.([0-9]+)/([0-9]+)$ ]] ||
    die "$EXIT_BAD_CONTEXT" "network.internal_bridge.subnet: \"$subnet\" is not an IPv4 CIDR (172.16.100.0/24)"
  prefix="${BASH_REMATCH[5]}"
  ((prefix >= 8 && prefix <= 30)) || die "$EXIT_BAD_CONTEXT" "network.internal_bridge.subnet: prefix /$prefix must be 8..30"
  host="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}.$((BASH_REMATCH[4] + 1))"
  ours="/etc/network/interfaces.d/phoenix-$bridge.cfg"
  stanza="$(
    printf '# Written by phoenix setup: internal bridge %s (%s) with NAT through %s.\n' "$bridge" "$subnet" "$management"
    printf 'auto %s\niface %s inet static\n' "$bridge" "$bridge"
    printf '\taddress %s/%s\n\tbridge-ports none\n\tbridge-stp off\n\tbridge-fd 0\n' "$host" "$prefix"
    printf '\tpost-up echo 1 > /proc/sys/net/ipv4/ip_forward\n'
    printf "\tpost-up iptables -t nat -A POSTROUTING -s '%s' -o %s -j MASQUERADE\n" "$subnet" "$management"
    printf "\tpost-down iptables -t nat -D POSTROUTING -s '%s' -o %s -j MASQUERADE\n" "$subnet" "$management"
  )"
  changed=0
  if file="$(defined_in "$bridge")" && [[ "$file" != "$ours" ]]; then
    log "bridge $bridge is already defined in $file; left as it is"
  elif [[ "$(cat "$R$ours" 2>/dev/null)" != "$stanza" ]]; then
    if [[ -e "$R$ours" ]]; then why="updating $ours"; else why="adding bridge $bridge in $ours"; fi
    if hv_want file "$ours" "$why"; then
      printf '%s\n' "$stanza" | hv_write_file "$ours" 0644
      changed=1
    fi
  fi
  if ! grep -qE '^[[:space:]]*source(-directory)?[[:space:]]+/etc/network/interfaces\.d' "$R$INTERFACES" 2>/dev/null; then
    if hv_want file "$INTERFACES" "appending 'source /etc/network/interfaces.d/*' to $INTERFACES"; then
      { cat "$R$INTERFACES" 2>/dev/null || true; printf '\nsource /etc/network/interfaces.d/*\n'; } |
        hv_write_file "$INTERFACES" 0644
      changed=1
    fi
  fi
  if [[ "$HV_MODE" == check && "$HV_CHANGES" == 1 ]]; then hv_plan command "ifreload -a"; fi
  if ((changed)); then hv_run ifreload -a; fi
fi
hv_finish
