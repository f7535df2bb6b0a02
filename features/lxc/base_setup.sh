#!/usr/bin/env bash
# Feature: base_setup — Common tools (curl, git, jq, vim, htop), UTF-8 locale and optional timezone
#
# Installs only the missing ones of: ca-certificates curl wget gnupg jq git rsync htop vim less
# locales tzdata, plus base_packages from the context; enables and generates the locale in
# /etc/locale.gen (default en_US.UTF-8) and makes it the default in /etc/default/locale; sets
# the timezone when one is given.
# Context keys: locale (default en_US.UTF-8), timezone (optional, e.g. Europe/Berlin),
#   base_packages (optional list of extra Debian package names).
# Needs: network (the distribution's apt mirror). Runs inside the container as root.
# Exit codes: features/README.md (0 ok, 2 bad context, 6 apt failed, 75 apt lock timeout).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
PHOENIX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)"
# shellcheck source=../lib/common.sh
source "$PHOENIX_LIB/common.sh"
# shellcheck source=../lib/base.sh
source "$PHOENIX_LIB/base.sh"

phoenix_init base_setup "${1:-}"
base_setup_feature
