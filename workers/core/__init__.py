"""The neutral core: what every layer may import, and which imports no other part of khabar.

- :mod:`~workers.core.records`: the values that flow between stages (``Article``, ``Entity``, ...).
- :mod:`~workers.core.errors`: why an article is rejected (``Reason``, ``Rejected``).
- :mod:`~workers.core.budget`: the per-article time budget.
- :mod:`~workers.core.outcomes`: what one record becomes (``Enriched`` or ``DeadLetter``).
- :mod:`~workers.core.headers`: the names and values of khabar's Kafka headers.
- :mod:`~workers.core.stages`: the stages' names, as metrics and dead letters spell them.
"""
