#!/usr/bin/env bash
# Shared by the host command stubs of `phoenix setup`'s stand-in host (tests, demo): the recording, failure switches
# and PHOENIX_ROOT guards of the guest stubs (source/simulator/guest-bin/lib/stub.sh), plus the
# folder of host state ($PHOENIX_ROOT/var/lib/phoenix-stub/host/). Tests set the disks, GPUs and
# subscription there; the stubs keep pools, datasets, time zone and NTP there.
# shellcheck disable=SC2034 # HOST is used by the stubs that source this file
# The guest stubs sit next to this folder: guest-bin/ in the source tree, sim-guest-bin/ in dist/.
stub_lib="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.."
if [[ -f "$stub_lib/guest-bin/lib/stub.sh" ]]; then stub_lib="$stub_lib/guest-bin/lib/stub.sh"; else
  stub_lib="$stub_lib/sim-guest-bin/lib/stub.sh"
fi
# shellcheck source=../../guest-bin/lib/stub.sh
source "$stub_lib" || exit 127
HOST="$STATE/host"
mkdir -p "$HOST"
