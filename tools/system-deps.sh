#!/usr/bin/env bash
# System packages for PDF notes and their tests: Chromium, a CJK font, poppler (pdftotext, pdffonts).
# The CJK font is WenQuanYi Zen Hei (fonts-wqy-zenhei): TrueType outlines, which Chromium embeds in a PDF as a named
# CID font subset. Noto Sans CJK (fonts-noto-cjk) has CFF outlines that Chromium embeds as hundreds of Type 3 fonts,
# making a Chinese PDF about ten times the size of its English twin (publish/typography.py).
# Installs them when missing and this user may (root, or passwordless sudo); otherwise prints the command.
set -u
need=()
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi Zen Hei" || need+=(fonts-wqy-zenhei)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
cmd="apt-get install -y --no-install-recommends ${need[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: install ${need[*]} with your package manager for PDF notes (or set LIQUIDITY_CHROMIUM)" >&2
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; else
  echo "note: PDF notes need: sudo apt-get update && sudo $cmd" >&2
  exit 0
fi
echo "installing system packages: ${need[*]}" >&2
$SUDO apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $SUDO $cmd >/dev/null \
  || echo "warning: could not install ${need[*]}; run: sudo $cmd" >&2
exit 0
