#!/usr/bin/env bash
# Shared by the host command stubs of the `phoenix setup` tests: the recording, failure switches
# and PHOENIX_ROOT guards of the guest stubs (source/simulator/guest-bin/lib/stub.sh), plus the
# folder of host state ($PHOENIX_ROOT/var/lib/phoenix-stub/host/). Tests set the disks, GPUs and
# subscription there; the stubs keep pools, datasets, time zone and NTP there.
# shellcheck disable=SC2034 # HOST is used by the stubs that source this file
# shellcheck source=../../../../source/simulator/guest-bin/lib/stub.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../../../../source/simulator/guest-bin/lib/stub.sh"
HOST="$STATE/host"
mkdir -p "$HOST"
