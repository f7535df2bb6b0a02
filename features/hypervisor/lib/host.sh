#!/usr/bin/env bash
# Shared helpers for the host step scripts of `phoenix setup` (features/hypervisor/*.sh).
# The contract is in features/README.md ("Host steps"). Sources the guest feature library for
# logging, apt (lock waits, IPv4 retries), atomic files and the config reader.
# shellcheck disable=SC2034 # constants here are used by the scripts that source this file
# shellcheck source=../../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

# Exit codes of host steps, besides the shared 0/1/2/3/4/5/6/75 of lib/common.sh.
readonly EXIT_CHANGES_NEEDED=10   # check: something is not in place yet (the plan lines say what)
readonly EXIT_REBOOT_REQUIRED=11  # apply: done so far, a reboot must happen before it can finish
readonly EXIT_NEEDS_CONSENT=12    # a disk holds data and its by-id name was not typed to confirm
readonly EXIT_CONFLICT=13         # something Phoenix did not create is in the way; never overwritten

HV_MODE=""
HV_CHANGES=0
HV_JOURNAL=""

# hv_init <step> <mode> <config.json>: strict mode, the config reader and the journal.
hv_init() {
  local step="$1" mode="${2:-}" config="${3:-}"
  case "$mode" in
    check | apply | undo) ;;
    *)
      printf 'usage: %s check|apply|undo CONFIG_JSON\n' "$step" >&2
      exit "$EXIT_BAD_CONTEXT"
      ;;
  esac
  if [[ -z "$config" ]]; then
    printf '[%s] error: no config JSON given\n' "$step" >&2
    exit "$EXIT_BAD_CONTEXT"
  fi
  phoenix_init "$step" "$config"
  HV_MODE="$mode"
  HV_JOURNAL="${PHOENIX_STEP_JOURNAL:-}"
  if [[ "$mode" == apply && -n "$HV_JOURNAL" ]]; then
    mkdir -p "$HV_JOURNAL/files"
    touch "$HV_JOURNAL/records"
  fi
}

# cfg <path>: a config value; the path is dotted with numeric array indexes (zfs.pools.0.name).
# Arrays print one element a line, objects as JSON; missing, null and "" print nothing.
cfg() {
  case "$PHOENIX_JSON_READER" in
    python3)
      python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
for part in sys.argv[2].split("."):
    if isinstance(d, list) and part.isdigit():
        d = d[int(part)] if int(part) < len(d) else None
    elif isinstance(d, dict):
        d = d.get(part)
    else:
        d = None
def show(v):
    return v if isinstance(v, str) else json.dumps(v)
if isinstance(d, list):
    print("\n".join(show(v) for v in d))
elif isinstance(d, bool):
    print("true" if d else "false")
elif d is not None and d != "":
    print(show(d))
' "$PHOENIX_CONTEXT" "$1"
      ;;
    jq)
      jq -r --arg k "$1" '
        getpath($k | split(".") | map(if test("^[0-9]+$") then tonumber else . end)) as $v
        | if $v == null or $v == "" then empty
          elif ($v | type) == "array" then $v[] | (if type == "string" then . else tojson end)
          elif ($v | type) == "string" then $v
          else $v | tojson end' "$PHOENIX_CONTEXT"
      ;;
  esac
}

# cfg_count <path>: the number of elements of an array (0 when missing).
cfg_count() {
  local n=0 line
  while IFS= read -r line; do
    if [[ -n "$line" ]]; then n=$((n + 1)); fi
  done < <(cfg "$1")
  printf '%s\n' "$n"
}

# --- plan or apply -------------------------------------------------------------------------

# hv_want <kind> <subject> <why>: a change is needed. In check mode prints the plan line
# "@<kind> <subject>" (kind: file, command, wipe, reboot, note) and returns 1 (do not act);
# in apply mode logs why and returns 0 (act now).
hv_want() {
  local kind="$1" subject="$2" why="$3"
  HV_CHANGES=1
  if [[ "$HV_MODE" == check ]]; then
    printf '@%s %s\n' "$kind" "$subject"
    log "needed: $why"
    return 1
  fi
  log "$why"
  return 0
}

# hv_plan <kind> <subject>: one more plan line for a change already announced by hv_want.
hv_plan() {
  if [[ "$HV_MODE" == check ]]; then printf '@%s %s\n' "$1" "$2"; fi
}

# hv_note <text>: a remark for the confirm screen (check) or the log (apply).
hv_note() {
  if [[ "$HV_MODE" == check ]]; then printf '@note %s\n' "$*"; else log "$*"; fi
}

# hv_finish: check exits 10 when a change is needed, otherwise 0.
hv_finish() {
  if [[ "$HV_MODE" == check && "$HV_CHANGES" == 1 ]]; then exit "$EXIT_CHANGES_NEEDED"; fi
  exit 0
}

# hv_journal <tab separated fields…>: one record for the engine (and for undo).
hv_journal() {
  if [[ -z "$HV_JOURNAL" ]]; then return 0; fi
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$HV_JOURNAL/records"
}

# hv_backup <host path>: before a file changes, keeps its content once per run (or notes that it
# did not exist) so `phoenix setup --undo` can put it back byte for byte.
hv_backup() {
  local path="$1" n
  if [[ -z "$HV_JOURNAL" ]]; then return 0; fi
  if grep -qF -- "$(printf 'file\t%s\t' "$path")" "$HV_JOURNAL/records" 2>/dev/null; then return 0; fi
  if [[ -e "$R$path" ]]; then
    # Numbered by what is there already: callers often run this in a pipeline's subshell.
    n=$(($(find "$HV_JOURNAL/files" -maxdepth 1 -type f | wc -l) + 1))
    cp -p -- "$R$path" "$HV_JOURNAL/files/$n"
    hv_journal file "$path" "$n"
  else
    hv_journal file "$path" -
  fi
}

# hv_write_file <host path> <mode> (content on stdin): backup, then an atomic write — only when
# the content or mode differs.
hv_write_file() {
  local path="$1" mode="$2" content
  content="$(cat; printf x)"
  content="${content%x}"
  if [[ -f "$R$path" ]] && [[ "$(cat "$R$path"; printf x)" == "${content}x" ]] &&
    [[ "$path" == /etc/pve/* || "$(stat -c %a "$R$path")" == "$(printf '%o' "$((8#$mode))")" ]]; then
    return 0
  fi
  hv_backup "$path"
  if [[ "$path" == /etc/pve/* ]]; then
    # pmxcfs (the cluster file system) commits a file atomically when it is closed and keeps
    # its own modes: no temp file, no chmod.
    mkdir -p "$(dirname "$R$path")"
    printf '%s' "$content" >"$R$path"
    log "wrote $path"
    return 0
  fi
  printf '%s' "$content" | ensure_file "$path" "$mode"
}

# hv_run <command> [args…]: runs a system command by name and journals it. Secrets never go on a
# command line (they are passed on stdin), so the journal holds no secret.
hv_run() {
  hv_journal command "$*"
  log "\$ $*"
  "$@"
}

# hv_created <kind> <name>: Phoenix created this (a user, a storage, a pool): only such things are
# ever removed again, by undo.
hv_created() { hv_journal created "$1" "$2"; }

# hv_previous <key> <value>: a setting's value before the step changed it (undo restores it).
hv_previous() { hv_journal previous "$1" "$2"; }

# undo_records <type>: the records of the step run being undone, one a line, fields tab separated
# (type removed). PHOENIX_UNDO_RECORDS names the file; it is read newest first.
undo_records() {
  local file="${PHOENIX_UNDO_RECORDS:-}"
  if [[ -z "$file" || ! -r "$file" ]]; then return 0; fi
  tac "$file" | awk -F'\t' -v t="$1" '$1 == t { sub(/^[^\t]*\t/, ""); print }'
}
