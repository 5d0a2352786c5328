#!/usr/bin/env bash
# Install khabar into a virtual environment: the CPU build of torch FIRST, then the project.
# The Dockerfile, `make install` and CI all run this script, so the image's install steps are
# exercised on every run and cannot rot.
#
#   deploy/docker/install.sh [--editable] [--torch-only] [--dry-run] VENV [EXTRAS]
#
#   VENV          virtual environment to install into; created with $PYTHON when it does not exist
#   EXTRAS        the project's extras, comma-separated; none by default, as in the image.
#                 "dev": the embedded broker of khabar demo/broker/bench; "test" includes it
#   --editable    install the checkout in development mode (pip install -e), as `make` does
#   --torch-only  stop after torch (the Dockerfile caches that layer before copying the source)
#   --dry-run     print the commands instead of running them
#
# Environment:
#   PYTHON           interpreter that creates VENV (default python3; khabar needs 3.11)
#   TORCH_VERSION    torch release (default 2.13.0)
#   TORCH_INDEX_URL  index torch is installed from; empty (the default) = pip's own configuration.
#                    The image sets https://download.pytorch.org/whl/cpu: PyPI's Linux torch wheels
#                    are CUDA builds that pull in gigabytes of nvidia-* packages.
#   PIP_*            pip's own settings pass through (PIP_QUIET=1, PIP_NO_CACHE_DIR=1, ...)
#
# Why torch first: stanza depends on torch. Installed first, from the CPU index, it satisfies that
# requirement, so resolving the project never fetches a CUDA build. The script checks afterwards
# that the torch it installed is still there and is a CPU build.
set -euo pipefail

usage() {
    sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2
    exit 2
}

editable=0
torch_only=0
dry_run=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --editable) editable=1 ;;
        --torch-only) torch_only=1 ;;
        --dry-run) dry_run=1 ;;
        -h | --help) usage ;;
        --) shift; break ;;
        -*) echo "install.sh: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
    shift
done
[[ $# -ge 1 && $# -le 2 ]] || usage

venv=$1
extras=${2:-}
python=${PYTHON:-python3}
torch_version=${TORCH_VERSION:-2.13.0}
torch_index_url=${TORCH_INDEX_URL:-}
# The checkout this script belongs to: deploy/docker/install.sh -> the repository root.
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

run() {
    echo "+ $*" >&2
    if [[ $dry_run -eq 0 ]]; then
        "$@"
    fi
}

if [[ ! -x "$venv/bin/python" ]]; then
    run "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip)
run "${pip[@]}" install --upgrade pip

torch_args=("torch==$torch_version")
if [[ -n "$torch_index_url" ]]; then
    torch_args+=(--index-url "$torch_index_url")
fi
run "${pip[@]}" install "${torch_args[@]}"

# A CPU build and the requested release, or stop here: a CUDA torch makes a multi-GB image.
check_torch='
import importlib.metadata as md, sys
import torch
want = sys.argv[1]
if torch.__version__.split("+")[0] != want:
    sys.exit(f"install.sh: torch {torch.__version__} is installed, expected {want}")
if torch.version.cuda is not None:
    sys.exit(f"install.sh: torch {torch.__version__} is a CUDA build (CUDA {torch.version.cuda}); "
             "install the CPU build (TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu)")
nvidia = sorted(d.metadata["Name"] for d in md.distributions() if d.metadata["Name"].lower().startswith("nvidia-"))
if nvidia:
    sys.exit("install.sh: CUDA libraries are installed: " + ", ".join(nvidia))
print(f"install.sh: torch {torch.__version__} (CPU)", file=sys.stderr)
'
verify_torch() {
    echo "+ verify: torch $torch_version, a CPU build, no nvidia-* packages" >&2
    if [[ $dry_run -eq 0 ]]; then
        "$venv/bin/python" -c "$check_torch" "$torch_version"
    fi
}
verify_torch
if [[ $torch_only -eq 1 ]]; then
    exit 0
fi

target=$src
if [[ -n "$extras" ]]; then
    target="${src}[${extras}]"
fi
if [[ $editable -eq 1 ]]; then
    run "${pip[@]}" install --editable "$target"
else
    run "${pip[@]}" install "$target"
fi

# The project must not have replaced torch, and the command must start.
verify_torch
run "$venv/bin/khabar" --version
# The gazetteer compiled once, into the installed package, for every worker to map and share
# (a worker compiles it itself where this step did not run).
run "$venv/bin/python" -m workers.gazetteer.compiled
