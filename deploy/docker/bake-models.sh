#!/usr/bin/env bash
# Bake Stanza's published NER models into the image (Dockerfile build stage). Optional: the
# NER models for Arabic and English ship inside the khabar package and need nothing here.
#
#   deploy/docker/bake-models.sh VENV RESOURCES_DIR
#
# Environment (the Dockerfile's build arguments):
#   STANZA_LANGS          languages to download, space- or comma-separated (e.g. "ar en"); empty = none
#   STANZA_RESOURCES_URL  a mirror of Stanza's resources (resources.json and models); empty = Stanza's
#
# Needs the network at build time (the running worker never downloads anything). The worker
# prefers a published model over the shipped one once KHABAR_STANZA_RESOURCES points here, which
# the image does.
set -euo pipefail

[[ $# -eq 2 ]] || { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//' >&2; exit 2; }
venv=$1
resources=$2
mkdir -p "$resources"

read -r -a langs <<<"${STANZA_LANGS//,/ }"
mirror=()
if [[ -n "${STANZA_RESOURCES_URL:-}" ]]; then
    mirror=(--resources-url "$STANZA_RESOURCES_URL")
fi
for lang in "${langs[@]}"; do
    echo "+ khabar models download $lang --dir $resources" >&2
    "$venv/bin/khabar" models download "$lang" --dir "$resources" "${mirror[@]}"
done
# What the image will use, per language (trained or published), for the build log.
KHABAR_STANZA_RESOURCES=$resources "$venv/bin/khabar" models list
