"""Assertions on RFC 9457 problem responses."""

from typing import Any


def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    """``response`` is problem+json with this status and type slug; returns the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"https://ansinh.example/problems/{slug}"
    assert body["status"] == status
    return body
