"""The names of the enrichment stages, in the order an article goes through them.

A stage's name is the ``stage`` label of ``khabar_stage_duration_seconds`` and
``khabar_articles_failed`` and the ``khabar-stage`` header of a dead letter, so it is part of the
contract with dashboards: it lives here, where both the stages and the components they use
(the Stanza tagger checks the budget under ``entities``) can read it.
"""

from __future__ import annotations

DECODE = "decode"
VALIDATE = "validate"
LANGUAGE = "language"
ENTITIES = "entities"
LOCATIONS = "locations"
ASSEMBLE = "assemble"
