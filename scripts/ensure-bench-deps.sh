#!/usr/bin/env bash
# Tools the HTTP benchmarks need: wrk (a C load generator, so the client is not the bottleneck).
set -euo pipefail
command -v wrk >/dev/null 2>&1 && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
