#!/bin/sh
# Phoenix launcher, installed as <prefix>/app/bin/phoenix and linked from /usr/local/bin/phoenix.
# Runs the bundled Node when the release carries one (the -node20 tarball for Proxmox VE 8),
# otherwise the system's node (Proxmox VE 9 / Debian 13: apt install nodejs).
set -eu

self=$(readlink -f "$0")
app=$(dirname "$(dirname "$self")")
prefix=$(dirname "$(readlink -f "$app")")

# Installed (by install.sh) somewhere other than the seeds' layout: the config lives beside the
# program, in <prefix>/etc. The default prefix needs nothing: Phoenix looks there by itself.
if [ -z "${PHOENIX_CONFIG_DIR:-}" ] && [ -L "$prefix/app" ] &&
	[ "$prefix" != /usr/local/phoenix_hypervisor ]; then
	PHOENIX_CONFIG_DIR="$prefix/etc"
	export PHOENIX_CONFIG_DIR
fi

if [ -x "$app/node/bin/node" ]; then
	# First on PATH too, so the simulator's launchers (dist/sim-bin) use the same Node.
	PATH="$app/node/bin:$PATH"
	export PATH
	exec "$app/node/bin/node" "$app/dist/cli.js" "$@"
fi
if ! command -v node >/dev/null 2>&1; then
	echo "phoenix: Node.js is not installed; Phoenix needs Node.js 20.5 or newer." >&2
	echo "  Proxmox VE 9: apt install nodejs. Proxmox VE 8: use the phoenix-*-linux-x64-node20.tar.gz release." >&2
	exit 1
fi
exec node "$app/dist/cli.js" "$@"
