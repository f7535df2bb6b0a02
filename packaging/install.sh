#!/bin/sh
# Installs Phoenix from an unpacked release tarball, upgrades it in place, or removes it.
#
#   sudo ./install.sh                  install or upgrade
#   sudo ./install.sh --uninstall      remove the program; keep etc/ and the run logs
#   sudo ./install.sh --uninstall --purge   remove etc/ and the run logs too
#
# Layout (the seeds' /usr/local/phoenix_hypervisor):
#   <prefix>/etc/                 your config: created from the example only when absent or empty,
#                                 never touched otherwise
#   <prefix>/app-<version>.<n>/   the program (bin/phoenix, dist/, features/, templates/, schemas/)
#   <prefix>/app -> app-…         switched in one rename, so an upgrade never leaves half a program;
#                                 the previous folder is kept, older ones are removed
#   <bin-dir>/phoenix -> <prefix>/app/bin/phoenix
#   <completion-dir>/phoenix      bash completion
# An original bash Phoenix in <prefix>/bin and <prefix>/lib is left alone.
set -eu

usage() {
	cat <<'EOF'
Usage: install.sh [--uninstall [--purge]] [--root DIR] [--prefix DIR] [--bin-dir DIR]
                  [--completion-dir DIR]

  --uninstall           remove Phoenix; keeps <prefix>/etc and the run logs
  --purge               with --uninstall: remove <prefix>/etc and the run logs too
  --root DIR            install under DIR (a scratch root: every default path is prefixed)
  --prefix DIR          program and config folder      (default /usr/local/phoenix_hypervisor)
  --bin-dir DIR         where the phoenix link goes    (default /usr/local/bin)
  --completion-dir DIR  bash completion folder         (default /usr/share/bash-completion/completions)

Environment: PHOENIX_INSTALL_ROOT, PHOENIX_PREFIX, PHOENIX_BIN_DIR, PHOENIX_COMPLETION_DIR do the same.
EOF
}

say() { printf '%s\n' "$*"; }
die() {
	printf 'install.sh: %s\n' "$1" >&2
	[ $# -lt 2 ] || printf '  fix: %s\n' "$2" >&2
	exit 1
}

args="$*"
src=$(cd "$(dirname "$0")" && pwd -P)
root=${PHOENIX_INSTALL_ROOT:-}
prefix=${PHOENIX_PREFIX:-}
bin_dir=${PHOENIX_BIN_DIR:-}
completion_dir=${PHOENIX_COMPLETION_DIR:-}
mode=install
purge=0

while [ $# -gt 0 ]; do
	case $1 in
	--uninstall) mode=uninstall ;;
	--purge) purge=1 ;;
	--root | --prefix | --bin-dir | --completion-dir)
		[ $# -ge 2 ] || die "$1 needs a folder"
		case $1 in
		--root) root=$2 ;;
		--prefix) prefix=$2 ;;
		--bin-dir) bin_dir=$2 ;;
		--completion-dir) completion_dir=$2 ;;
		esac
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	*) die "unknown option $1" "see ./install.sh --help" ;;
	esac
	shift
done
[ "$purge" = 0 ] || [ "$mode" = uninstall ] || die "--purge only goes with --uninstall"

root=${root%/}
# Run from an installed program folder (<prefix>/app-…/install.sh --uninstall): that prefix.
if [ -z "$prefix" ] && [ -z "$root" ] && [ -f "$(dirname "$src")/.installed" ]; then
	prefix=$(dirname "$src")
fi
prefix=${prefix:-$root/usr/local/phoenix_hypervisor}
bin_dir=${bin_dir:-$root/usr/local/bin}
completion_dir=${completion_dir:-$root/usr/share/bash-completion/completions}
log_dir=$root/var/log/phoenix_hypervisor
manifest=$prefix/.installed

if [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
	die "installing to $prefix needs root" "sudo $0 $args"
fi

# --- uninstall ---------------------------------------------------------------------------

remove_link() {
	# Only our own link: a phoenix from somewhere else stays.
	[ -L "$1" ] || return 0
	case $(readlink "$1") in
	"$prefix"/*)
		rm -f "$1"
		say "removed $1"
		;;
	esac
}

uninstall() {
	link=$bin_dir/phoenix
	completion=$completion_dir/phoenix
	if [ -f "$manifest" ]; then
		# The paths of the install, whatever options this run got.
		link=$(sed -n 's/^link=//p' "$manifest")
		completion=$(sed -n 's/^completion=//p' "$manifest")
	fi
	remove_link "$link"
	if [ -n "$completion" ] && [ -f "$completion" ] && grep -q '_phoenix' "$completion"; then
		rm -f "$completion"
		say "removed $completion"
	fi
	if [ -d "$prefix" ]; then
		rm -f "$prefix/app" "$manifest"
		for dir in "$prefix"/app-* "$prefix"/.app-*; do
			[ -e "$dir" ] || continue
			rm -rf "$dir"
		done
		say "removed the program from $prefix"
	fi
	if [ "$purge" = 1 ]; then
		rm -rf "${prefix:?}/etc" "$log_dir"
		say "removed $prefix/etc and $log_dir"
		rmdir "$prefix" 2>/dev/null || true
	else
		[ ! -d "$prefix/etc" ] || say "kept your config in $prefix/etc"
		[ ! -d "$log_dir" ] || say "kept the run logs in $log_dir"
	fi
	say "Phoenix is uninstalled."
}

if [ "$mode" = uninstall ]; then
	uninstall
	exit 0
fi

# --- install / upgrade ---------------------------------------------------------------------

if [ ! -f "$src/dist/cli.js" ] || [ ! -f "$src/VERSION" ] || [ ! -x "$src/bin/phoenix" ]; then
	die "$src is not an unpacked Phoenix release (dist/cli.js, VERSION, bin/phoenix missing)" \
		"run the install.sh that comes in phoenix-<version>-linux.tar.gz"
fi
version=$(cat "$src/VERSION")

# Which Node will run Phoenix: the bundled one, else the system's (20.5 or newer).
if [ -x "$src/node/bin/node" ]; then
	"$src/node/bin/node" --version >/dev/null 2>&1 ||
		die "the bundled Node ($src/node/bin/node) does not run on this machine" \
			"it needs x86-64 Linux with glibc 2.28 or newer"
	node_note="bundled Node $("$src/node/bin/node" --version)"
else
	command -v node >/dev/null 2>&1 ||
		die "Node.js is not installed; Phoenix needs Node.js 20.5 or newer" \
			"Proxmox VE 9: apt install nodejs. Proxmox VE 8 (Node 18): use phoenix-$version-linux-x64-node20.tar.gz"
	node_version=$(node -p 'process.versions.node' 2>/dev/null || echo unknown)
	node -e 'var v=process.versions.node.split(".").map(Number);process.exit(v[0]>20||(v[0]===20&&v[1]>=5)?0:1)' ||
		die "Node.js $node_version is too old; Phoenix needs Node.js 20.5 or newer" \
			"Proxmox VE 8 (Debian 12 ships Node 18): use phoenix-$version-linux-x64-node20.tar.gz, which carries its own Node"
	node_note="Node $node_version ($(command -v node))"
fi

if [ -e "$bin_dir/phoenix" ] && [ ! -L "$bin_dir/phoenix" ]; then
	die "$bin_dir/phoenix exists and is not Phoenix's link" "move it away, or pass --bin-dir DIR"
fi

mkdir -p "$prefix" "$bin_dir"
previous=
[ ! -L "$prefix/app" ] || previous=$(readlink "$prefix/app")

# Unpack the program into a fresh folder beside the current one (same file system, so the
# switch below is a rename). Everything but the example config.
n=1
while [ -e "$prefix/app-$version.$n" ]; do n=$((n + 1)); done
app=app-$version.$n
staging=$prefix/.app-staging.$$
trap 'rm -rf "$staging" "$prefix/.app-link.$$"' EXIT
rm -rf "$staging"
mkdir "$staging"
for entry in "$src"/* "$src"/.[!.]*; do
	[ -e "$entry" ] || continue
	case ${entry##*/} in etc) continue ;; esac
	cp -a "$entry" "$staging/"
done
# The example config stays available for reference and for `--config-dir`.
cp -a "$src/etc" "$staging/etc.example"
mv "$staging" "$prefix/$app"

# Refuse an upgrade that does not start, before switching to it.
if ! "$prefix/$app/bin/phoenix" --version >/dev/null 2>&1; then
	rm -rf "${prefix:?}/$app"
	die "the new program does not start: $prefix/$app/bin/phoenix --version failed" \
		"run it by hand to see why; the installed version is unchanged"
fi

ln -s "$app" "$prefix/.app-link.$$"
mv -T "$prefix/.app-link.$$" "$prefix/app"

# The previous program folder stays (a Phoenix still running from it keeps its features and
# schemas; `ln -sfn <it> <prefix>/app` rolls back); older ones go.
for dir in "$prefix"/app-*; do
	case ${dir##*/} in "$app" | "$previous") ;; *) rm -rf "$dir" ;; esac
done

# The config: seeded from the example only when there is none.
if [ -d "$prefix/etc" ] && [ -n "$(ls -A "$prefix/etc")" ]; then
	config_note="kept your config in $prefix/etc"
else
	mkdir -p "$prefix/etc"
	chmod 750 "$prefix/etc"
	cp -a "$src/etc/." "$prefix/etc/"
	config_note="example config in $prefix/etc (edit it, then: phoenix validate)"
fi

ln -s "$prefix/app/bin/phoenix" "$bin_dir/.phoenix-link.$$"
mv -T "$bin_dir/.phoenix-link.$$" "$bin_dir/phoenix"

completion_note="no bash completion (no completion/phoenix.bash in the release)"
completion=
if [ -f "$prefix/app/completion/phoenix.bash" ]; then
	mkdir -p "$completion_dir"
	completion=$completion_dir/phoenix
	cp "$prefix/app/completion/phoenix.bash" "$completion_dir/.phoenix.$$"
	chmod 644 "$completion_dir/.phoenix.$$"
	mv -f "$completion_dir/.phoenix.$$" "$completion"
	completion_note="bash completion in $completion (new shells)"
fi

printf 'link=%s\ncompletion=%s\nversion=%s\n' "$bin_dir/phoenix" "$completion" "$version" \
	>"$manifest.tmp"
mv -f "$manifest.tmp" "$manifest"

if [ -n "$previous" ]; then
	say "Phoenix upgraded: $previous -> $app in $prefix"
else
	say "Phoenix $version installed in $prefix"
fi
say "  runs on $node_note"
say "  $config_note"
say "  $bin_dir/phoenix -> $prefix/app/bin/phoenix"
say "  $completion_note"
say "Next: phoenix doctor"
