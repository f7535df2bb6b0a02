#!/usr/bin/env bash
# Feature: ollama — Ollama LLM server from its release tarball, as a systemd service
#
# Downloads ollama-linux-<arch>.tar.zst (a pinned release when ollama_version is set), unpacks it
# into /usr, creates the ollama system user (in the render and video groups when they exist),
# writes /etc/systemd/system/ollama.service with OLLAMA_HOST, enables and starts it. Adds
# user_config.username to the ollama group. Uses an NVIDIA GPU when the nvidia feature ran first.
# Context keys: ollama_version (optional, e.g. 0.12.3; default latest), ollama_host (default
#   0.0.0.0:11434), user_config.username (optional).
# Needs: network (ollama.com or github.com); amd64 or arm64. GPU optional.
# Exit codes: features/README.md (0 ok, 2 bad context, 3 unsupported arch, 5 download, 6 apt, 75 lock).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
PHOENIX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)"
# shellcheck source=../lib/common.sh
source "$PHOENIX_LIB/common.sh"
# shellcheck source=../lib/ollama.sh
source "$PHOENIX_LIB/ollama.sh"

phoenix_init ollama "${1:-}"
ollama_feature
