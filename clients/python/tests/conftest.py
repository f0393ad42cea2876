"""The Sluice under test: started by PythonClientIT, which passes its URLs and tokens in the environment."""

import os

import pytest

from sluice_client import Client, RetryPolicy


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: these tests run from PythonClientIT (mvn verify), against a real Sluice")
    return value


@pytest.fixture(scope="session")
def client() -> Client:
    """A pii-reader and analyst of tenant 1 on a Sluice without quotas."""
    return Client(_env("SLUICE_URL"), token=_env("SLUICE_TOKEN"), timeout=60, retry=RetryPolicy(attempts=5, backoff=0.05))


@pytest.fixture(scope="session")
def analyst() -> Client:
    """An analyst only: may read transactions, not transactions_raw."""
    return Client(_env("SLUICE_URL"), token=_env("SLUICE_TOKEN_ANALYST"), timeout=60)


@pytest.fixture()
def cutting() -> Client:
    """A client of a Sluice whose quota (300 rows per 1 s window) cuts every longer stream."""
    return Client(_env("SLUICE_CUT_URL"), token=_env("SLUICE_TOKEN"), timeout=60, retry=RetryPolicy(attempts=4, backoff=0.05))
