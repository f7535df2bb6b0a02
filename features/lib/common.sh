#!/usr/bin/env bash
# Shared helpers for Phoenix feature scripts (the contract is in features/README.md).
# Sourced by features/<kind>/<name>.sh as "$(dirname "$script")/../lib/common.sh".
#
# Every function that takes a path takes the path as seen on the guest (/etc/...) and prefixes
# it with $PHOENIX_ROOT itself; scripts use "$R/..." for paths they touch directly.
# shellcheck disable=SC2034 # variables here are used by the scripts that source this file

# Exit codes shared by every feature script.
readonly EXIT_OK=0
readonly EXIT_FAILED=1           # unexpected failure of a command (set -e)
readonly EXIT_BAD_CONTEXT=2      # context missing/unreadable, or a required key missing/invalid
readonly EXIT_UNSUPPORTED=3      # guest OS or architecture not supported by this feature
readonly EXIT_NO_HARDWARE=4      # required hardware (GPU, device nodes) not present
readonly EXIT_DOWNLOAD=5         # a download failed after retries (network)
readonly EXIT_APT=6              # apt-get failed after retries (repositories, network, dpkg)
readonly EXIT_LOCK_TIMEOUT=75    # apt/dpkg lock still held by another process after the timeout

R="${PHOENIX_ROOT:-}"
export DEBIAN_FRONTEND=noninteractive
export NEEDRESTART_MODE=a
PHOENIX_FEATURE="${PHOENIX_FEATURE:-feature}"
PHOENIX_APT_UPDATED=0
PHOENIX_FILE_CHANGED=0
# python3 or jq; set in the environment only to force one (tests do).
PHOENIX_JSON_READER="${PHOENIX_JSON_READER:-}"

log() { printf '[%s] %s\n' "$PHOENIX_FEATURE" "$*"; }
warn() { printf '[%s] warning: %s\n' "$PHOENIX_FEATURE" "$*" >&2; }

# die <exit code> <message>
die() {
  local code="$1"
  shift
  printf '[%s] error: %s\n' "$PHOENIX_FEATURE" "$*" >&2
  exit "$code"
}

on_error() {
  local code="$1" line="$2" command="$3"
  # Inside $(…) the enclosing command fails too and is reported then, once.
  ((BASH_SUBSHELL == 0)) || return 0
  printf '[%s] error: command failed (exit %s) at line %s: %s\n' \
    "$PHOENIX_FEATURE" "$code" "$line" "$command" >&2
}

# phoenix_init <feature name> [context path]: strict mode, error trap, context reader.
phoenix_init() {
  PHOENIX_FEATURE="$1"
  set -Eeuo pipefail
  trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR
  PHOENIX_CONTEXT="${2:-${PHOENIX_CONTEXT:-}}"
  if [[ -n "$PHOENIX_CONTEXT" && ! -r "$PHOENIX_CONTEXT" ]]; then
    die "$EXIT_BAD_CONTEXT" "context file not readable: $PHOENIX_CONTEXT"
  fi
  export PHOENIX_CONTEXT
  if [[ -n "$PHOENIX_CONTEXT" ]]; then
    context_reader_init
  fi
}

# --- context -------------------------------------------------------------------------------

# Picks python3, else jq, else installs jq (debian-standard LXC templates have neither).
context_reader_init() {
  if [[ -n "$PHOENIX_JSON_READER" ]]; then
    command -v "$PHOENIX_JSON_READER" >/dev/null 2>&1 ||
      die "$EXIT_BAD_CONTEXT" "PHOENIX_JSON_READER=$PHOENIX_JSON_READER is not installed"
  elif command -v python3 >/dev/null 2>&1; then
    PHOENIX_JSON_READER=python3
  elif command -v jq >/dev/null 2>&1; then
    PHOENIX_JSON_READER=jq
  else
    log "installing jq to read the context (no python3 on this guest)"
    apt_install jq
    PHOENIX_JSON_READER=jq
  fi
  # Fail early and clearly on a broken context rather than in the middle of an install.
  if ! ctx_get __phoenix_probe__ >/dev/null; then
    die "$EXIT_BAD_CONTEXT" "context file is not valid JSON: $PHOENIX_CONTEXT"
  fi
}

# ctx_get <dotted.key> [default]: prints the value (arrays one element a line, objects as JSON).
# Missing, null and empty values print the default. Exits non-zero only for unreadable JSON.
ctx_get() {
  local key="$1" default="${2:-}" value=""
  if [[ -n "${PHOENIX_CONTEXT:-}" ]]; then
    case "$PHOENIX_JSON_READER" in
      python3)
        value="$(python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
for part in sys.argv[2].split("."):
    d = d.get(part) if isinstance(d, dict) else None
def show(v):
    return v if isinstance(v, str) else json.dumps(v)
if isinstance(d, list):
    print("\n".join(show(v) for v in d))
elif isinstance(d, bool):
    print("true" if d else "false")
elif d is not None:
    print(show(d))
' "$PHOENIX_CONTEXT" "$key")" || return "$EXIT_BAD_CONTEXT"
        ;;
      jq)
        value="$(jq -r --arg k "$key" '
          getpath($k | split(".")) as $v
          | if $v == null then empty
            elif ($v | type) == "array" then $v[] | (if type == "string" then . else tojson end)
            elif ($v | type) == "string" then $v
            else $v | tojson end' "$PHOENIX_CONTEXT")" || return "$EXIT_BAD_CONTEXT"
        ;;
    esac
  fi
  if [[ -z "$value" ]]; then value="$default"; fi
  printf '%s\n' "$value"
}

# ctx_has_feature <name>: true when the context's features list names it.
ctx_has_feature() {
  # Not `ctx_get … | grep -q`: grep stops at the first match, the writer may get SIGPIPE, and
  # pipefail would turn a match into a failure.
  local features
  features="$(ctx_get features)"
  grep -qx -- "$1" <<<"$features"
}

# --- guest facts ---------------------------------------------------------------------------

# Sets OS_ID (ubuntu|debian|…) and OS_CODENAME from /etc/os-release.
read_os_release() {
  local file="$R/etc/os-release"
  [[ -r "$file" ]] || die "$EXIT_UNSUPPORTED" "cannot read /etc/os-release"
  OS_ID="$(sed -n 's/^ID=//p' "$file" | tr -d '"')"
  OS_CODENAME="$(sed -n 's/^VERSION_CODENAME=//p' "$file" | tr -d '"')"
  if [[ -z "$OS_CODENAME" ]]; then
    OS_CODENAME="$(sed -n 's/^UBUNTU_CODENAME=//p' "$file" | tr -d '"')"
  fi
}

# --- files ---------------------------------------------------------------------------------

# ensure_dir <guest path> [mode]
ensure_dir() {
  local path="$R$1" mode="${2:-0755}"
  if [[ ! -d "$path" ]]; then
    mkdir -p "$path"
    chmod "$mode" "$path"
  fi
}

# ensure_file <guest path> <mode>  (content on stdin): writes atomically only when the content
# or mode differs. Sets PHOENIX_FILE_CHANGED to 1 when it wrote, 0 when the file was already right.
ensure_file() {
  local path="$R$1" mode="$2" tmp
  ensure_dir "$(dirname "$1")"
  tmp="$(mktemp "$(dirname "$path")/.phoenix.XXXXXX")"
  cat >"$tmp"
  if [[ -f "$path" ]] && cmp -s "$tmp" "$path" &&
    [[ "$(stat -c %a "$path")" == "$(printf '%o' "$((8#$mode))")" ]]; then
    rm -f "$tmp"
    PHOENIX_FILE_CHANGED=0
    return 0
  fi
  chmod "$mode" "$tmp"
  sync "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$path"
  PHOENIX_FILE_CHANGED=1
  log "wrote $1"
}

# download <url>[|<fallback url>…] <guest path> [mode]: curl with retries (the later ones over
# IPv4 only), each URL in turn; atomic rename. Exits 5 when none could be fetched.
download() {
  local urls path="$R$2" mode="${3:-0644}" tmp attempt url
  IFS='|' read -r -a urls <<<"$1"
  ensure_dir "$(dirname "$2")"
  tmp="$(mktemp "$(dirname "$path")/.phoenix-dl.XXXXXX")"
  for url in "${urls[@]}"; do
    for attempt in 1 2 3; do
      local ipv4=()
      if ((attempt > 1)); then ipv4=(-4); fi
      if curl -fsSL --connect-timeout 20 --retry 2 "${ipv4[@]}" -o "$tmp" "$url"; then
        chmod "$mode" "$tmp"
        mv -f "$tmp" "$path"
        return 0
      fi
      warn "download of $url failed (attempt $attempt/3)"
      if ((attempt < 3)); then sleep "${PHOENIX_RETRY_DELAY:-5}"; fi
    done
  done
  rm -f "$tmp"
  die "$EXIT_DOWNLOAD" "could not download ${urls[*]}"
}

# --- apt -----------------------------------------------------------------------------------

readonly APT_LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock /var/cache/apt/archives/lock)

# True when another process holds one of the apt/dpkg locks. Uses fuser (psmisc) when present,
# else /proc/locks (POSIX and flock locks by inode) so it works on minimal images too.
apt_lock_held() {
  local files=() lock
  for lock in "${APT_LOCKS[@]}"; do
    if [[ -e "$R$lock" ]]; then files+=("$R$lock"); fi
  done
  ((${#files[@]} > 0)) || return 1
  if command -v fuser >/dev/null 2>&1; then
    fuser "${files[@]}" >/dev/null 2>&1
    return
  fi
  local inodes
  inodes="$(stat -c '%i' "${files[@]}" | tr '\n' '|')"
  # Lines look like "1: POSIX  ADVISORY  WRITE 1234 fe:00:131090 0 EOF" (waiters add "->").
  awk -v inodes="|${inodes}" '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9a-f]+:[0-9a-f]+:[0-9]+$/) {
      n = split($i, a, ":"); if (index(inodes, "|" a[n] "|")) found = 1 } }
    END { exit found ? 0 : 1 }' /proc/locks 2>/dev/null
}

# Waits for the apt/dpkg locks, never kills their holder. PHOENIX_APT_LOCK_TIMEOUT (s, default 600).
apt_wait_lock() {
  local timeout="${PHOENIX_APT_LOCK_TIMEOUT:-600}" poll="${PHOENIX_LOCK_POLL:-5}" start now
  start="$(date +%s)"
  while apt_lock_held; do
    now="$(date +%s)"
    if ((now - start >= timeout)); then
      die "$EXIT_LOCK_TIMEOUT" "apt/dpkg lock still held by another process after ${timeout}s (not killing it); try again later"
    fi
    log "waiting for the apt/dpkg lock held by another process ($((now - start))s of ${timeout}s)"
    sleep "$poll"
  done
}

# apt_run <apt-get arguments…>: lock wait, then up to PHOENIX_APT_RETRIES attempts (default 3);
# retries force IPv4 (broken IPv6 is the usual cause of "Network is unreachable").
apt_run() {
  local attempt=1 max="${PHOENIX_APT_RETRIES:-3}" rc ipv4=()
  while :; do
    apt_wait_lock
    rc=0
    apt-get -o "DPkg::Lock::Timeout=${PHOENIX_APT_LOCK_TIMEOUT:-600}" -o Dpkg::Use-Pty=0 \
      "${ipv4[@]}" "$@" || rc=$?
    if ((rc == 0)); then return 0; fi
    if ((attempt >= max)); then
      die "$EXIT_APT" "apt-get $1 failed after $attempt attempts (exit $rc)"
    fi
    attempt=$((attempt + 1))
    ipv4=(-o Acquire::ForceIPv4=true)
    warn "apt-get $1 failed (exit $rc); retrying over IPv4 (attempt $attempt of $max)"
    sleep "${PHOENIX_RETRY_DELAY:-5}"
  done
}

# After a repository was added or changed: the next install updates the lists again.
apt_sources_changed() { PHOENIX_APT_UPDATED=0; }

# apt_update: once per run (and again after apt_sources_changed).
apt_update() {
  if ((PHOENIX_APT_UPDATED == 0)); then
    log "updating package lists"
    apt_run update -q
    PHOENIX_APT_UPDATED=1
  fi
}

# pkg_installed <package>[=<version>]: true when dpkg has it installed (in that version).
pkg_installed() {
  local name="${1%%=*}" want="" status
  if [[ "$1" == *=* ]]; then want="${1#*=}"; fi
  status="$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null)" || return 1
  [[ "$status" == "install ok installed "* ]] || return 1
  [[ -z "$want" || "${status##* }" == "$want" ]]
}

# apt_install <package[=version]>…: installs only what is missing; nothing to do → no apt call.
apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! pkg_installed "$pkg"; then missing+=("$pkg"); fi
  done
  if ((${#missing[@]} == 0)); then
    log "already installed: $*"
    return 0
  fi
  apt_update
  log "installing ${missing[*]}"
  apt_run install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
}

# --- services and users --------------------------------------------------------------------

# service_enable_now <unit>: enable and start, each only when needed.
service_enable_now() {
  local unit="$1"
  if ! systemctl is-enabled --quiet "$unit" 2>/dev/null; then
    log "enabling $unit"
    systemctl enable "$unit"
  fi
  if ! systemctl is-active --quiet "$unit" 2>/dev/null; then
    log "starting $unit"
    systemctl start "$unit"
  fi
}

# ensure_group <group>: a system group.
ensure_group() {
  if ! getent group "$1" >/dev/null; then
    log "creating group $1"
    groupadd --system "$1"
  fi
}

# ensure_user_in_group <user> <group>: adds the user when not yet a member.
# A user that does not exist (yet) is reported, not created: accounts come from cloud-init.
ensure_user_in_group() {
  local user="$1" group="$2" members
  if ! getent passwd "$user" >/dev/null; then
    warn "user $user does not exist on this guest; not adding it to $group"
    return 0
  fi
  members="$(getent group "$group" | cut -d: -f4)"
  if [[ ",$members," == *",$user,"* ]]; then
    log "$user is already in group $group"
    return 0
  fi
  log "adding $user to group $group"
  usermod -aG "$group" "$user"
}
