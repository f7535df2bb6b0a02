#!/usr/bin/env bash
# Docker Engine from Docker's own apt repository (shared by features/vm/docker.sh and
# features/lxc/docker.sh). Sourced after common.sh.

readonly DOCKER_PACKAGES=(docker-ce docker-ce-cli containerd.io docker-buildx-plugin docker-compose-plugin)
readonly DOCKER_KEYRING=/etc/apt/keyrings/docker.asc
readonly DOCKER_SOURCES=/etc/apt/sources.list.d/docker.list

docker_feature() {
  local arch user
  read_os_release
  case "$OS_ID" in
    ubuntu | debian) ;;
    *) die "$EXIT_UNSUPPORTED" "Docker's apt repository has no packages for '$OS_ID' (Ubuntu and Debian only)" ;;
  esac
  [[ -n "$OS_CODENAME" ]] || die "$EXIT_UNSUPPORTED" "no VERSION_CODENAME in /etc/os-release"
  arch="$(dpkg --print-architecture)"

  apt_install ca-certificates curl

  ensure_dir /etc/apt/keyrings 0755
  if [[ -s "$R$DOCKER_KEYRING" ]]; then
    log "Docker's signing key is already in $DOCKER_KEYRING"
  else
    log "downloading Docker's signing key"
    download "https://download.docker.com/linux/$OS_ID/gpg" "$DOCKER_KEYRING" 0644
  fi

  ensure_file "$DOCKER_SOURCES" 0644 <<LIST
deb [arch=$arch signed-by=$DOCKER_KEYRING] https://download.docker.com/linux/$OS_ID $OS_CODENAME stable
LIST
  if ((PHOENIX_FILE_CHANGED)); then apt_sources_changed; fi

  apt_install "${DOCKER_PACKAGES[@]}"
  service_enable_now docker

  user="$(ctx_get user_config.username)"
  if [[ -n "$user" ]]; then
    ensure_group docker
    ensure_user_in_group "$user" docker
  fi
  log "done"
}
