#!/usr/bin/env bash
# Shared by the guest command stubs: every stub records its argv in "$PHOENIX_ROOT/.calls"
# (one line per call: name and arguments separated by spaces) and keeps its state under
# $PHOENIX_ROOT, never outside it.
#
# Simulation switches (environment):
#   PHOENIX_STUB_FAIL="apt-get curl:22 systemctl:1:2"  name[:exit code[:times]] — that stub fails
#     (after recording the call) with the code (default 100 for apt-get, else 1), every time or
#     only the first <times> calls.
#   A held apt/dpkg lock: write the PID of a live process to
#     "$PHOENIX_ROOT/var/lib/dpkg/lock-frontend.holder"; fuser and apt-get see the lock as held
#     while that process lives and the file exists. Remove the file to release it.
#   PHOENIX_STUB_ARCH (default amd64): what `dpkg --print-architecture` answers.
# shellcheck disable=SC2034 # STATE and R are used by the stubs that source this file
set -euo pipefail

STUB_NAME="$(basename "$0")"
if [[ -z "${PHOENIX_ROOT:-}" || "${PHOENIX_ROOT}" != /* || "${PHOENIX_ROOT%/}" == "" ]]; then
  printf '%s (phoenix guest stub): PHOENIX_ROOT must be an absolute path other than /; refusing to run\n' \
    "$STUB_NAME" >&2
  exit 97
fi
R="${PHOENIX_ROOT%/}"
STATE="$R/var/lib/phoenix-stub"
mkdir -p "$STATE"

stub_record() {
  local line="$STUB_NAME"
  local arg
  for arg in "$@"; do line+=" $arg"; done
  printf '%s\n' "${line//$'\n'/ }" >>"$R/.calls"
}

# Fails as PHOENIX_STUB_FAIL asks (see above).
stub_maybe_fail() {
  local entry name code times count counter default=1
  if [[ "$STUB_NAME" == apt-get ]]; then default=100; fi
  local list="${PHOENIX_STUB_FAIL:-}"
  for entry in ${list//,/ }; do
    IFS=: read -r name code times <<<"$entry"
    [[ "$name" == "$STUB_NAME" ]] || continue
    code="${code:-$default}"
    if [[ -n "${times:-}" ]]; then
      counter="$STATE/failures-$STUB_NAME"
      count=$(($(cat "$counter" 2>/dev/null || echo 0) + 1))
      printf '%s\n' "$count" >"$counter"
      ((count <= times)) || continue
    fi
    printf '%s: simulated failure (PHOENIX_STUB_FAIL), exit %s\n' "$STUB_NAME" "$code" >&2
    exit "$code"
  done
}

# stub_inside <path>: refuses a path outside $PHOENIX_ROOT.
stub_inside() {
  local resolved
  resolved="$(realpath -m -- "$1")"
  if [[ "$resolved" != "$R" && "$resolved" != "$R"/* ]]; then
    printf '%s (phoenix guest stub): refusing to touch %s outside PHOENIX_ROOT\n' "$STUB_NAME" "$1" >&2
    exit 98
  fi
}

# The PID holding the simulated apt/dpkg lock, when it is held.
stub_lock_holder() {
  local file="$R/var/lib/dpkg/lock-frontend.holder" pid
  [[ -r "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

DPKG_DB="$R/var/lib/dpkg/phoenix-installed"

# stub_pkg_version <name>: the installed version, or fails.
stub_pkg_version() {
  [[ -f "$DPKG_DB" ]] || return 1
  awk -v n="$1" '$1 == n { print $2; found = 1 } END { exit found ? 0 : 1 }' "$DPKG_DB"
}

stub_unit_name() {
  local unit="$1"
  printf '%s\n' "${unit%.service}"
}
