#!/usr/bin/env bash
# System packages the tests need: a PulseAudio server (the live-playback tests start a
# private daemon with a null sink), PortAudio for sounddevice, sox as a reference peer, chromium
# (the web mixer's browser tests, driven by Playwright) and dbus (a private session bus for MPRIS).
set -euo pipefail
need=(pulseaudio pulseaudio-utils libportaudio2 sox chromium dbus)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
