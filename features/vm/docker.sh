#!/usr/bin/env bash
# Feature: docker — Docker Engine from Docker's apt repository; the guest user joins the docker group
#
# Adds Docker's signing key to /etc/apt/keyrings/docker.asc and its repository to
# /etc/apt/sources.list.d/docker.list, installs docker-ce, docker-ce-cli, containerd.io and the
# buildx and compose plugins, enables and starts docker.service, and adds user_config.username
# to the docker group. Alias: install_docker.
# Context keys: user_config.username (optional), features (when it lists nvidia: NVIDIA Container
#   Toolkit from NVIDIA's repository and the nvidia runtime in /etc/docker/daemon.json).
# Needs: network (download.docker.com and the distribution's mirror); Ubuntu or Debian.
# Exit codes: features/README.md (0 ok, 3 unsupported OS, 5 download, 6 apt, 75 apt lock timeout).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
PHOENIX_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")/../lib" && pwd)"
# shellcheck source=../lib/common.sh
source "$PHOENIX_LIB/common.sh"
# shellcheck source=../lib/docker.sh
source "$PHOENIX_LIB/docker.sh"

phoenix_init docker "${1:-}"
docker_feature
