"""`devtools_testutils.aio` of our stand-in: nothing to record in a live run."""


def recorded_by_proxy_async(function):
    return function
