#!/usr/bin/env bash
# `npm test` runs this first (npm's pretest): the real components the tests run against, from Debian's
# packages, installed when missing: Chromium for the browser tests, Mesa 25's lavapipe (a software WebGPU
# adapter) for the webgpu tests, and a one-node Slurm for the Slurm executor's tests. Each step does nothing
# when its component is there. Where they cannot be installed (not Debian, or no root and no password-less
# sudo), it says what is missing and goes on: the webgpu tests then skip saying why, the browser and Slurm
# tests fail saying what to install.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -n "${CHROMIUM_PATH:-}" ] || [ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg --compare-versions "$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)" ge 25 2>/dev/null || missing+=(lavapipe)
command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null || missing+=(slurm)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null || { [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; }; then
  echo "test tools: cannot install ${missing[*]} here (they need Debian's apt-get as root or with sudo); see .ci/run" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
for tool in "${missing[@]}"; do
  echo "test tools: installing $tool" >&2
  case $tool in
    chromium) $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium ;;
    lavapipe) .ci/install-lavapipe ;;
    slurm) scripts/slurm-local.sh install ;;
  esac || { echo "test tools: installing $tool failed" >&2; exit 1; }
done
