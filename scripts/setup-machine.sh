#!/usr/bin/env bash
# What the tests need from the machine, installed from Debian's packages when missing (never a download
# of its own): chromium for the page tests (driven by playwright-core, never a downloaded browser), and
# zsh and fish, in which the completion tests run the scripts of `edgesim completion`. bash is there.
# Installing needs root and Debian's package sources, as on the project's machines.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v zsh >/dev/null 2>&1 || missing+=(zsh)
command -v fish >/dev/null 2>&1 || missing+=(fish)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-machine: missing ${missing[*]}; install Debian's package(s) ${missing[*]} (needs root)" >&2
  exit 1
fi
echo "setup-machine: installing Debian's ${missing[*]} for the tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for tool in chromium zsh fish; do command -v "$tool" >/dev/null; done
