#!/usr/bin/env bash
# Debian packages the build, the tests and the nested-KVM lab need (linux-libc-dev: linux/kvm.h for
# the runtime's ABI test). Idempotent; needs root.
set -euo pipefail
pkgs=(e2fsprogs xz-utils zstd cpio build-essential bc flex bison libelf-dev libssl-dev dwarves
      qemu-system-x86 busybox-static linux-image-amd64 linux-source-6.1
      mmdebstrap umoci skopeo fakeroot attr acl libcap2-bin time gcc libc6-dev linux-libc-dev)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
