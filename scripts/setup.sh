#!/usr/bin/env bash
# One-time set-up on a fresh Debian machine with Python 3.11: system packages, then the Python packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
# OCR of scanned PDF pages (python -m etl build --ocr): Tesseract and its simplified-Chinese data
command -v tesseract >/dev/null 2>&1 || need_apt+=(tesseract-ocr)
tesseract --list-langs 2>/dev/null | grep -qx chi_sim || need_apt+=(tesseract-ocr-chi-sim)
if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c "import etl, dash, duckdb, gunicorn, playwright, pypdfium2, docx, trafilatura, pytesseract, pypdf, opencc" >/dev/null 2>&1 || [ pyproject.toml -nt .setup-done ]; then
    # a Debian system Python marks itself externally managed; this project's pins are meant to go in anyway
    PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install -q --disable-pip-version-check -e ".[test]"
    touch .setup-done
fi
