#!/usr/bin/env bash
# The page tests drive Debian's chromium through playwright-core (never a downloaded browser).
# Installs it when missing; needs root and Debian's package sources, as on the project's machines.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-browser: chromium is missing; install Debian's 'chromium' package (needs root)" >&2
  exit 1
fi
echo "setup-browser: installing Debian's chromium for the page tests" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
