"""The unit-test network guard (tests/unit/conftest.py) really bites."""

from __future__ import annotations

import socket

import pytest

from tests.unit.conftest import NetworkUsed


def test_the_guard_refuses_a_connection() -> None:
    with pytest.raises(NetworkUsed):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(NetworkUsed):
        socket.getaddrinfo("example.org", 443)
