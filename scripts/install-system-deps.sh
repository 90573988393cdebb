#!/usr/bin/env bash
# Install the Debian packages the test suite runs for real: Prometheus 2.42 (+ promtool) and
# Chromium. As root, missing ones are installed with apt; otherwise we say what is missing and
# fail, because a test that needs them must fail rather than skip.
set -euo pipefail

need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || { [[ " ${need[*]-} " == *" prometheus "* ]] || need+=(prometheus); }
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# CJK glyphs for the Chinese UI in headless Chromium (screenshots a person reviews)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
python3 -m venv --help >/dev/null 2>&1 && python3 -c "import ensurepip" >/dev/null 2>&1 || need+=(python3-venv)

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages: installed ${need[*]}"
