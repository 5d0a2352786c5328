# syntax=docker/dockerfile:1
#
# The khabar worker: CPU-only torch, models baked in, non-root, configured only through KHABAR_*
# environment variables (deploy/worker.env.example lists them). See docs/operations.md.
#
#   docker build -t khabar .
#   docker run --rm -e KHABAR_BROKER=kafka:9092 -p 9464:9464 khabar          # = khabar worker
#   docker run --rm khabar models list                                       # any other command
#
# Build arguments:
#   TORCH_INDEX_URL       where torch comes from (default: the CPU wheel index; never a CUDA build)
#   STANZA_LANGS          also bake Stanza's published NER models for these languages, e.g. "ar en"
#                         (downloaded at build time; the trained ar/en NER models ship in the package)
#   STANZA_RESOURCES_URL  a mirror of Stanza's resources for STANZA_LANGS
#
# Signals: the worker is PID 1 and handles SIGTERM itself (finishes the batch in flight, commits,
# exits 0 within KHABAR_SHUTDOWN_TIMEOUT_S, default 30 s). It starts no child processes, so no
# init is needed to reap zombies; `docker run --init` (compose `init: true`) adds one anyway.
# Give the container a stop timeout above KHABAR_SHUTDOWN_TIMEOUT_S (docker stop -t 45,
# compose stop_grace_period, Kubernetes terminationGracePeriodSeconds).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TORCH_VERSION=2.13.0
ARG STANZA_LANGS=""
ARG STANZA_RESOURCES_URL=""

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /src

# The install steps live in deploy/docker/install.sh, which `make` and CI run too.
# torch first, in a layer of its own, so that a change to the source does not download it again.
COPY deploy/docker/install.sh deploy/docker/bake-models.sh deploy/docker/
RUN deploy/docker/install.sh --torch-only /opt/khabar

# No extras: the image runs the worker on a real Kafka, without the embedded broker of the dev
# extra (here `khabar demo`, `khabar broker` and `khabar bench` without --broker say so and exit 2).
COPY pyproject.toml README.md ./
COPY schemas/ schemas/
COPY workers/ workers/
RUN deploy/docker/install.sh /opt/khabar \
    && deploy/docker/bake-models.sh /opt/khabar /opt/khabar/stanza_resources

# ---------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="khabar" \
      org.opencontainers.image.description="Streaming news enrichment worker: language, entities and locations for articles on Kafka" \
      org.opencontainers.image.licenses="Apache-2.0"

# A fixed, numeric, unprivileged user: Kubernetes' runAsNonRoot can check it.
RUN groupadd --system --gid 10001 khabar \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin khabar

# The virtual environment (owned by root, read-only for the worker), with the models inside.
COPY --from=build /opt/khabar /opt/khabar

# Defaults for a container; everything else is a KHABAR_* variable set at run time.
# - KHABAR_METRICS_HOST=0.0.0.0: /metrics, /healthz and /readyz must be reachable from outside the
#   container (the worker's own default is loopback).
# - KHABAR_STANZA_RESOURCES: published models baked with STANZA_LANGS (empty otherwise: the shipped models).
# - OMP_NUM_THREADS=1: one worker process per core; torch would otherwise start a thread per core
#   of the host, which a CPU limit of one core then throttles.
# - HOME=/tmp: the only writable place when the root filesystem is read-only (Faust's temporary
#   data directory, KHABAR_DATA_DIR, goes there too).
ENV PATH=/opt/khabar/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OMP_NUM_THREADS=1 \
    HOME=/tmp \
    KHABAR_METRICS_HOST=0.0.0.0 \
    KHABAR_METRICS_PORT=9464 \
    KHABAR_STANZA_RESOURCES=/opt/khabar/stanza_resources

USER 10001:10001
EXPOSE 9464

# Liveness: /healthz answers 200 as soon as the endpoints are up (before the models are loaded).
# Python's urllib, no curl in the image. Readiness (/readyz) is for orchestrators: see deploy/k8s.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('KHABAR_METRICS_PORT', '9464'), timeout=4)"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["khabar"]
CMD ["worker"]
