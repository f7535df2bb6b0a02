#!/usr/bin/env bash
# Base setup shared by features/vm/base_setup.sh and features/lxc/base_setup.sh.
# Sourced after common.sh.

readonly BASE_PACKAGES=(ca-certificates curl wget gnupg jq git rsync htop vim less locales tzdata)

base_setup_feature() {
  local locale timezone extra=() line
  locale="$(ctx_get locale en_US.UTF-8)"
  timezone="$(ctx_get timezone)"
  [[ "$locale" =~ ^[A-Za-z_]+\.[A-Za-z0-9-]+$ ]] ||
    die "$EXIT_BAD_CONTEXT" "locale '$locale' is not like en_US.UTF-8"
  while IFS= read -r line; do
    if [[ -n "$line" ]]; then extra+=("$line"); fi
  done < <(ctx_get base_packages)
  for line in "${extra[@]}"; do
    [[ "$line" =~ ^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~-]+)?$ ]] ||
      die "$EXIT_BAD_CONTEXT" "base_packages entry '$line' is not a package name"
  done

  apt_install "${BASE_PACKAGES[@]}" "${extra[@]}"

  base_setup_locale "$locale"
  if [[ -n "$timezone" ]]; then base_setup_timezone "$timezone"; fi
  log "done"
}

# Enables <locale> in /etc/locale.gen, generates it when needed, makes it the default.
base_setup_locale() {
  local locale="$1" charset gen="$R/etc/locale.gen" entry
  charset="${1#*.}"
  entry="$locale $charset"
  if [[ "$charset" == UTF-8 ]]; then entry="$locale UTF-8"; fi
  if ! grep -qxF "$entry" "$gen" 2>/dev/null; then
    {
      if [[ -f "$gen" ]]; then grep -vxF "# $entry" "$gen" || true; fi
      printf '%s\n' "$entry"
    } | ensure_file /etc/locale.gen 0644
    log "generating locale $locale"
    locale-gen
  elif [[ ! -e "$R/usr/lib/locale/locale-archive" ]]; then
    log "generating locale $locale"
    locale-gen
  else
    log "locale $locale is already generated"
  fi
  printf 'LANG=%s\n' "$locale" | ensure_file /etc/default/locale 0644
}

base_setup_timezone() {
  local zone="$1"
  [[ "$zone" =~ ^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$ && -e "$R/usr/share/zoneinfo/$zone" ]] ||
    die "$EXIT_BAD_CONTEXT" "timezone '$zone' is not in /usr/share/zoneinfo"
  printf '%s\n' "$zone" | ensure_file /etc/timezone 0644
  if [[ "$(readlink "$R/etc/localtime" 2>/dev/null || true)" != "/usr/share/zoneinfo/$zone" ]]; then
    log "setting timezone $zone"
    ln -sfn "/usr/share/zoneinfo/$zone" "$R/etc/localtime"
  fi
}
