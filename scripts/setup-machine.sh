#!/usr/bin/env bash
# What the tests need from the machine, installed from Debian's packages when missing (never a download
# of its own): chromium for the page tests (driven by playwright-core, never a downloaded browser), and
# zsh and fish, in which the completion tests run the scripts of `edgesim completion`. bash is there.
#
# Installing needs root: as root it runs apt-get, otherwise through `sudo -n` when sudo works without a
# password prompt. When it cannot install, it prints the one command to run and exits 1, so `npm test`
# never stops before its tests without saying why.
set -uo pipefail
say() { echo "setup-machine: $*" >&2; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi

packages="${missing[*]}"
install="apt-get update && apt-get install -y --no-install-recommends $packages"
sudo_install="sudo apt-get update && sudo apt-get install -y --no-install-recommends $packages"

if ! command -v apt-get >/dev/null 2>&1; then
  say "the tests need $packages, missing here, and this machine has no apt-get (not Debian):" \
    "install $packages with your system's package manager, then run npm test again"
  exit 1
fi

if [ "$(id -u)" = 0 ]; then
  as_root=()
  shown="$install"
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
  as_root=(sudo -n env DEBIAN_FRONTEND=noninteractive) # sudo resets the environment
  shown="$sudo_install"
else
  say "the tests need Debian's $packages, missing here; installing needs root and sudo cannot run without a password." \
    "Run: $sudo_install (or, as root: $install), then npm test again"
  exit 1
fi

say "installing Debian's $packages for the tests: $shown"
export DEBIAN_FRONTEND=noninteractive
if ! "${as_root[@]}" apt-get update -qq ||
  ! "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
  say "installing $packages failed (apt-get's message is above). Run: $shown, then npm test again"
  exit 1
fi
still=()
for tool in "${missing[@]}"; do command -v "$tool" >/dev/null 2>&1 || still+=("$tool"); done
if [ ${#still[@]} -gt 0 ]; then
  say "apt-get installed $packages but ${still[*]} is still not on PATH ($PATH)"
  exit 1
fi
