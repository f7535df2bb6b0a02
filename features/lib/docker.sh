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
  if ctx_has_feature nvidia; then docker_nvidia_runtime "$arch"; fi

  user="$(ctx_get user_config.username)"
  if [[ -n "$user" ]]; then
    ensure_group docker
    ensure_user_in_group "$user" docker
  fi
  log "done"
}

readonly NVIDIA_CTK_KEYRING=/etc/apt/keyrings/nvidia-container-toolkit.asc
readonly NVIDIA_CTK_SOURCES=/etc/apt/sources.list.d/nvidia-container-toolkit.list

# docker_nvidia_runtime <arch>: NVIDIA Container Toolkit from NVIDIA's repository and the nvidia
# runtime registered with Docker (for guests whose features also list nvidia). In an
# unprivileged container the toolkit must not manage cgroups (no-cgroups = true).
docker_nvidia_runtime() {
  local arch="$1" changed=0
  if [[ -s "$R$NVIDIA_CTK_KEYRING" ]]; then
    log "NVIDIA Container Toolkit key is already in $NVIDIA_CTK_KEYRING"
  else
    log "downloading the NVIDIA Container Toolkit signing key"
    download https://nvidia.github.io/libnvidia-container/gpgkey "$NVIDIA_CTK_KEYRING" 0644
  fi
  ensure_file "$NVIDIA_CTK_SOURCES" 0644 <<LIST
deb [signed-by=$NVIDIA_CTK_KEYRING] https://nvidia.github.io/libnvidia-container/stable/deb/$arch /
LIST
  if ((PHOENIX_FILE_CHANGED)); then apt_sources_changed; fi
  apt_install nvidia-container-toolkit

  if grep -q '"nvidia"' "$R/etc/docker/daemon.json" 2>/dev/null; then
    log "Docker already knows the nvidia runtime"
  else
    log "registering the nvidia runtime with Docker"
    nvidia-ctk runtime configure --runtime=docker
    changed=1
  fi
  if [[ -r "$R/proc/self/uid_map" ]] && awk '$1 == 0 && $2 != 0 { found = 1 } END { exit !found }' "$R/proc/self/uid_map" &&
    ! grep -qx 'no-cgroups = true' "$R/etc/nvidia-container-runtime/config.toml" 2>/dev/null; then
    log "unprivileged container: turning off cgroup management in the NVIDIA runtime"
    nvidia-ctk config --set nvidia-container-cli.no-cgroups=true --in-place
    changed=1
  fi
  if ((changed)); then
    log "restarting docker"
    systemctl restart docker
  fi
}
