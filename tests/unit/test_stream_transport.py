"""The worker's Faust app: its consumer fetches the way Kafka's own clients do."""

from __future__ import annotations

import asyncio
import tempfile

from workers.stream.transport import FETCH_MAX_WAIT_MS, App, Transport


def test_the_worker_consumer_waits_on_a_fetch_as_long_as_kafka_clients_do() -> None:
    async def fetch_wait() -> tuple[object, int]:
        app = App(
            "khabar-transport-test",
            broker="kafka://127.0.0.1:9",
            store="memory://",
            web_enabled=False,
            autodiscover=False,
            datadir=tempfile.mkdtemp(prefix="khabar-faust-"),
        )
        thread = app.consumer._thread  # type: ignore[attr-defined]
        consumer = thread._create_worker_consumer(app.transport)
        return app.transport, consumer._fetch_max_wait_ms

    transport, wait_ms = asyncio.run(fetch_wait())
    assert isinstance(transport, Transport)
    assert wait_ms == FETCH_MAX_WAIT_MS == 500  # Faust's own worker consumer says 1500
