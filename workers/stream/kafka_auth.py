"""Moved to :mod:`workers.kafka_clients`; only ``workers.stream.app`` still imports it from here.

Delete this module together with that import (app.py is being rewritten on another branch).
"""

from workers.kafka_clients import faust_credentials

__all__ = ["faust_credentials"]
