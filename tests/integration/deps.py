"""Tests that need an outside program (nginx, redis-server, prometheus, tmux, …) skip without it
when run by hand, but fail under `make test` and `make check` (READSIDE_REQUIRE_DEPS=1, after
scripts/install-deps installed every package of scripts/deps.txt): a test skipped in CI is a
test that silently never ran."""
import functools
import os
import unittest

REQUIRED = os.environ.get("READSIDE_REQUIRE_DEPS") == "1"


def _message(reason):
    return ("%s: make test requires it (READSIDE_REQUIRE_DEPS=1; scripts/install-deps installs "
            "scripts/deps.txt)" % reason)


def needs(available, reason):
    """unittest.skipUnless(available, reason), failing instead when REQUIRED."""
    if available or not REQUIRED:
        return unittest.skipUnless(available, reason)

    def deco(obj):
        if isinstance(obj, type):
            def set_up_class(cls):
                raise AssertionError(_message(reason))
            obj.setUpClass = classmethod(set_up_class)
            return obj

        @functools.wraps(obj)
        def fail(self, *args, **kwargs):
            self.fail(_message(reason))
        return fail
    return deco


def skip_or_fail(test, reason):
    """test.skipTest(reason), or test.fail when REQUIRED."""
    if REQUIRED:
        test.fail(_message(reason))
    test.skipTest(reason)


def skip_exception(reason):
    """What to raise outside a test method: SkipTest, or AssertionError when REQUIRED."""
    return AssertionError(_message(reason)) if REQUIRED else unittest.SkipTest(reason)
