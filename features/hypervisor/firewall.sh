#!/usr/bin/env bash
# Feature: firewall — Proxmox cluster firewall options and rules, added to cluster.fw, never rewritten
#
# Host step of `phoenix setup` (contract: features/README.md, "Host steps").
# usage: firewall.sh check|apply|undo CONFIG_JSON
#
# /etc/pve/firewall/cluster.fw: written when it does not exist; otherwise only the option lines
# enable / policy_in / policy_out of [OPTIONS] are set, and rules from the config that are not
# in [RULES] yet are appended to it. Rules someone else wrote are never changed or removed.
# A DROP/REJECT input policy without a rule for SSH and the web UI (8006) gets a warning note:
# Proxmox still lets the "management" IP set in, but nothing else.
# Undo: cluster.fw is restored from the journal (or removed when setup created it).
# Config: firewall.enabled, .default_input_policy, .default_output_policy,
# .global_firewall_rules[] (type in|out|group, action, macro, source, dest, proto, port, sport,
# iface, comment, enable).
# Exit codes: 0 in place/done, 10 check: changes needed, 2 bad config.
# shellcheck source=lib/host.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/host.sh"
hv_init firewall "$@"

CLUSTER_FW=/etc/pve/firewall/cluster.fw

if [[ "$HV_MODE" == undo ]]; then exit 0; fi

if [[ -z "$(cfg firewall)" ]]; then
  hv_note "no firewall section in the config: nothing to do"
  hv_finish
fi

policy() {
  local value="$1" key="$2"
  case "$value" in
    "" | ACCEPT | DROP | REJECT) printf '%s' "$value" ;;
    *) die "$EXIT_BAD_CONTEXT" "firewall.$key: \"$value\" is not ACCEPT, DROP or REJECT" ;;
  esac
}
enable=0
if [[ "$(cfg firewall.enabled)" == true ]]; then enable=1; fi
policy_in="$(policy "$(cfg firewall.default_input_policy)" default_input_policy)"
policy_out="$(policy "$(cfg firewall.default_output_policy)" default_output_policy)"

# rule <index>: the cluster.fw line of firewall.global_firewall_rules[index].
rule() {
  local base="firewall.global_firewall_rules.$1" type action macro line="" value option
  type="$(cfg "$base.type" | tr '[:lower:]' '[:upper:]')"
  action="$(cfg "$base.action")"
  macro="$(cfg "$base.macro")"
  [[ "$type" =~ ^(IN|OUT|GROUP)$ ]] || die "$EXIT_BAD_CONTEXT" "$base.type: \"$type\" is not in, out or group"
  [[ "$action" =~ ^[A-Za-z0-9_-]+$ ]] || die "$EXIT_BAD_CONTEXT" "$base.action: \"$action\" is not an action"
  if [[ "$(cfg "$base.enable")" == false ]]; then line="|"; fi
  if [[ -n "$macro" ]]; then line+="$type $macro($action)"; else line+="$type $action"; fi
  for option in iface:-i source:-source dest:-dest proto:-p port:-dport sport:-sport; do
    value="$(cfg "$base.${option%%:*}")"
    if [[ -n "$value" ]]; then
      [[ "$value" =~ ^[A-Za-z0-9.:/,+_!-]+$ ]] || die "$EXIT_BAD_CONTEXT" "$base.${option%%:*}: \"$value\" is not valid here"
      line+=" ${option#*:} $value"
    fi
  done
  value="$(cfg "$base.comment")"
  if [[ -n "$value" ]]; then line+=" # ${value//$'\n'/ }"; fi
  printf '%s\n' "$line"
}

rules=()
count="$(cfg_count firewall.global_firewall_rules)"
for ((i = 0; i < count; i++)); do rules+=("$(rule "$i")"); done

if [[ "$policy_in" == DROP || "$policy_in" == REJECT ]] && ((enable)) &&
  ! grep -qE '^IN (SSH\(ACCEPT\)|ACCEPT .*-dport (22|8006)\b)' < <(printf '%s\n' "${rules[@]}"); then
  hv_note "input policy $policy_in without a rule for SSH (22) or the web UI (8006): only the management IP set will reach the host"
fi

current="$(cat "$R$CLUSTER_FW" 2>/dev/null || true)"
if [[ ! -e "$R$CLUSTER_FW" ]]; then
  desired="$(
    printf '[OPTIONS]\nenable: %s\n' "$enable"
    if [[ -n "$policy_in" ]]; then printf 'policy_in: %s\n' "$policy_in"; fi
    if [[ -n "$policy_out" ]]; then printf 'policy_out: %s\n' "$policy_out"; fi
    printf '\n[RULES]\n'
    if ((${#rules[@]} > 0)); then printf '%s\n' "${rules[@]}"; fi
  )"
else
  missing=()
  for line in "${rules[@]}"; do
    if ! grep -qxF -- "$line" <<<"$current"; then missing+=("$line"); fi
  done
  # Option lines the [OPTIONS] section lacks go right after its header.
  addopts=""
  section_keys="$(awk '/^\[/ { s = $0; next } s == "[OPTIONS]" && /^[a-z_]+:/ { sub(":.*", ""); print }' <<<"$current")"
  if ! grep -qx enable <<<"$section_keys"; then addopts+="enable: $enable"$'\n'; fi
  if [[ -n "$policy_in" ]] && ! grep -qx policy_in <<<"$section_keys"; then addopts+="policy_in: $policy_in"$'\n'; fi
  if [[ -n "$policy_out" ]] && ! grep -qx policy_out <<<"$section_keys"; then addopts+="policy_out: $policy_out"$'\n'; fi
  addrules=""
  if ((${#missing[@]} > 0)); then addrules="$(printf '%s\n' "${missing[@]}")"$'\n'; fi
  desired="$(
    printf '%s\n' "$current" | ADDOPTS="$addopts" ADDRULES="$addrules" awk -v enable="$enable" -v pin="$policy_in" -v pout="$policy_out" '
      # Missing rules go after the last line of [RULES], before the blank lines that end it.
      function flush_rules() { if (section == "RULES" && !done) { printf "%s", ENVIRON["ADDRULES"]; done = 1 }
        printf "%s", blanks; blanks = "" }
      /^[[:space:]]*$/ { blanks = blanks $0 "\n"; next }
      /^\[/ { flush_rules(); section = substr($0, 2, length($0) - 2); print
        if (section == "OPTIONS") printf "%s", ENVIRON["ADDOPTS"]; next }
      { printf "%s", blanks; blanks = "" }
      section == "OPTIONS" && /^enable:/ { print "enable: " enable; next }
      section == "OPTIONS" && /^policy_in:/ && pin != "" { print "policy_in: " pin; next }
      section == "OPTIONS" && /^policy_out:/ && pout != "" { print "policy_out: " pout; next }
      { print }
      END { flush_rules() }'
  )"
  if ! grep -q '^\[OPTIONS\]' <<<"$current"; then
    desired="$(printf '[OPTIONS]\nenable: %s\n' "$enable"; if [[ -n "$policy_in" ]]; then printf 'policy_in: %s\n' "$policy_in"; fi; if [[ -n "$policy_out" ]]; then printf 'policy_out: %s\n' "$policy_out"; fi; printf '\n%s' "$desired")"
  fi
  if ! grep -q '^\[RULES\]' <<<"$current" && ((${#missing[@]} > 0)); then
    desired="$(printf '%s\n\n[RULES]\n' "$desired"; printf '%s\n' "${missing[@]}")"
  fi
fi

if [[ "$desired" != "$current" ]]; then
  if hv_want file "$CLUSTER_FW" "updating the cluster firewall in $CLUSTER_FW (options and missing rules only)"; then
    printf '%s\n' "$desired" | hv_write_file "$CLUSTER_FW" 0640
  fi
else
  log "cluster firewall is in place"
fi
hv_finish
