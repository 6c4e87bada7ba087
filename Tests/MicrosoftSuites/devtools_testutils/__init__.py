"""Our stand-in for `devtools_testutils`, the test framework of Microsoft's azure-sdk-for-python
repository, which PyPI does not carry.

Microsoft's SDK tests import a handful of names from it. This module gives each the meaning it has
in a *live* run of those tests (AZURE_TEST_RUN_LIVE=true), which is the only mode that makes sense
against a real service: no recordings, no record/playback proxy, values from the environment.

- `PowerShellPreparer(directory, **defaults)`: a decorator that passes the test the values named by
  its keyword arguments, read from the environment variables of the same name in upper case
  (`webpubsub_endpoint` -> `WEBPUBSUB_ENDPOINT`). A variable that is not set fails the test with its
  name, as the real preparer does in live mode; the defaults are the playback placeholders and are
  never used here.
- `recorded_by_proxy` / `aio.recorded_by_proxy_async`: nothing to record in a live run; the test runs
  as written.
- `test_proxy`: the session fixture their conftest files ask for; here it stands for the service the
  tests run against (the `pubsub_service` fixture of our pytest plugin, `microsoft_suites_plugin`).
- `add_general_regex_sanitizer`: sanitizes recordings; there are none.
- `AzureRecordedTestCase`: `is_live`, `is_playback()`, `get_credential()` (a Microsoft Entra ID
  credential: the local service has none to check, so a test that needs one is skipped with that
  reason) and `create_client_from_credential()`.
"""

import asyncio
import inspect
import os

import pytest

ENTRA_ID_SKIP = (
    "needs a Microsoft Entra ID (Azure AD) credential; pubsub serve authenticates REST calls with "
    "the connection string's AccessKey only"
)


def _live_value(name: str) -> str:
    variable = name.upper()
    value = os.environ.get(variable)
    if value is None:
        pytest.fail(f"{variable} is not set: the live run needs it (microsoft_suites_plugin sets it)")
    return value


def _takes(function, names):
    """The preparer's names that `function` accepts (all of them when it takes **kwargs)."""
    parameters = inspect.signature(function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return list(names)
    return [name for name in names if name in parameters]


def _named_like(wrapper, function):
    # No __wrapped__: pytest would read the test's parameters through it and look for fixtures
    # named after the values this decorator supplies.
    for attribute in ("__name__", "__qualname__", "__doc__", "__module__"):
        setattr(wrapper, attribute, getattr(function, attribute))
    wrapper.__dict__.update({k: v for k, v in function.__dict__.items() if k != "__wrapped__"})
    return wrapper


def PowerShellPreparer(directory, **defaults):  # noqa: N802 (the name their tests import)
    del directory  # names the recordings' folder

    def decorate(function):
        names = _takes(function, defaults)
        if asyncio.iscoroutinefunction(function):

            async def run_async(self, **kwargs):
                for name in names:
                    kwargs.setdefault(name, _live_value(name))
                return await function(self, **kwargs)

            return _named_like(run_async, function)

        def run(self, **kwargs):
            for name in names:
                kwargs.setdefault(name, _live_value(name))
            return function(self, **kwargs)

        return _named_like(run, function)

    return decorate


def recorded_by_proxy(function):
    return function


def add_general_regex_sanitizer(**kwargs):
    del kwargs


@pytest.fixture(scope="session")
def test_proxy(pubsub_service):
    """Their conftest files start the record/playback proxy here; a live run needs the service."""
    return pubsub_service


class AzureRecordedTestCase:
    @property
    def is_live(self) -> bool:
        return True

    def is_playback(self) -> bool:
        return False

    def get_credential(self, client_class, **kwargs):
        del client_class, kwargs
        pytest.skip(ENTRA_ID_SKIP)

    def create_client_from_credential(self, client_class, credential, **kwargs):
        return client_class(credential=credential, **kwargs)
