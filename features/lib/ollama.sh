#!/usr/bin/env bash
# Ollama from its release tarball with a systemd unit (shared by features/vm/ollama.sh and
# features/lxc/ollama.sh). Sourced after common.sh. No `curl | sh`: every step is checked first.

readonly OLLAMA_BIN=/usr/bin/ollama
readonly OLLAMA_UNIT=/etc/systemd/system/ollama.service
readonly OLLAMA_ARCHIVE=/var/cache/phoenix/ollama.tar

# The version `ollama --version` reports, empty when not installed.
ollama_installed_version() {
  if [[ -x "$R$OLLAMA_BIN" ]]; then
    "$R$OLLAMA_BIN" --version 2>/dev/null | sed -n 's/.*version is //p' | head -n1
  fi
}

ollama_feature() {
  local arch version host url current user group
  case "$(dpkg --print-architecture)" in
    amd64) arch=amd64 ;;
    arm64) arch=arm64 ;;
    *) die "$EXIT_UNSUPPORTED" "Ollama ships builds for amd64 and arm64 only" ;;
  esac
  version="$(ctx_get ollama_version)"
  host="$(ctx_get ollama_host 0.0.0.0:11434)"
  if [[ -n "$version" && ! "$version" =~ ^[0-9]+(\.[0-9]+)*(-rc[0-9]+)?$ ]]; then
    die "$EXIT_BAD_CONTEXT" "ollama_version '$version' is not a version like 0.12.3"
  fi

  apt_install ca-certificates curl tar zstd

  current="$(ollama_installed_version)"
  if [[ -n "$current" && (-z "$version" || "$current" == "$version") ]]; then
    log "ollama $current is already installed"
  else
    # Releases ship .tar.zst; older ones (still reachable when pinned) shipped .tgz.
    if [[ -n "$version" ]]; then
      url="https://github.com/ollama/ollama/releases/download/v$version/ollama-linux-$arch.tar.zst"
      url+="|https://github.com/ollama/ollama/releases/download/v$version/ollama-linux-$arch.tgz"
    else
      url="https://ollama.com/download/ollama-linux-$arch.tar.zst"
    fi
    log "downloading ollama ${version:-latest} for $arch"
    download "$url" "$OLLAMA_ARCHIVE" 0600
    if [[ -n "$current" ]]; then
      log "removing the libraries of ollama $current"
      rm -rf "$R/usr/lib/ollama"
    fi
    log "unpacking ollama into /usr"
    if [[ "$(od -An -tx1 -N4 "$R$OLLAMA_ARCHIVE" | tr -d ' \n')" == 28b52ffd ]]; then
      zstd -dc "$R$OLLAMA_ARCHIVE" | tar -C "$R/usr" -x
    else
      tar -C "$R/usr" -xzf "$R$OLLAMA_ARCHIVE"
    fi
    rm -f "$R$OLLAMA_ARCHIVE"
  fi

  if ! getent passwd ollama >/dev/null; then
    log "creating system user ollama"
    useradd --system --user-group --shell /bin/false --create-home --home-dir /usr/share/ollama ollama
  fi
  # GPU access for the service user, as Ollama's own installer does.
  for group in render video; do
    if getent group "$group" >/dev/null; then ensure_user_in_group ollama "$group"; fi
  done
  user="$(ctx_get user_config.username)"
  if [[ -n "$user" ]]; then ensure_user_in_group "$user" ollama; fi

  ensure_file "$OLLAMA_UNIT" 0644 <<UNIT
[Unit]
Description=Ollama Service
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=$OLLAMA_BIN serve
User=ollama
Group=ollama
Restart=always
RestartSec=3
Environment="OLLAMA_HOST=$host"

[Install]
WantedBy=multi-user.target
UNIT
  if ((PHOENIX_FILE_CHANGED)); then
    systemctl daemon-reload
    if systemctl is-active --quiet ollama 2>/dev/null; then
      log "restarting ollama for the new unit"
      systemctl restart ollama
    fi
  fi
  service_enable_now ollama
  log "done (API on $host)"
}
