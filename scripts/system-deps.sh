#!/usr/bin/env bash
# Debian packages lurewatch needs beyond Python: Chromium for the browser tests and screenshots
# (Playwright cannot download its own browser here), and Noto fonts so that Korean, Thai, Khmer
# and Burmese (and the emoji that lures are full of) render as text rather than boxes.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-core >/dev/null 2>&1 || missing+=(fonts-noto-core)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || missing+=(fonts-noto-color-emoji)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "system-deps.sh: run as root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
${SUDO:-} apt-get update -qq
DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}"
