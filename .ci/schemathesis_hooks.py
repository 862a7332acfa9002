"""Schemathesis hooks for .ci/schemathesis.sh.

The run authenticates with one Private App token. Left alone, schemathesis
would find that app in `GET /private-apps` and patch, rotate or delete it,
and every later request would fail for want of a token rather than test
anything. Requests aimed at that app go to an id that does not exist instead.
"""

import ast
import os
import threading

import schemathesis

# CPython 3.11 keeps the AST constructor's recursion counter in state that
# all threads share (python/cpython#106905), so two workers parsing at once
# (hypothesis describes its filters by parsing their source) can fail with
# "AST constructor recursion depth mismatch". One parse at a time.
_parse = ast.parse
_parse_lock = threading.Lock()


def _serial_parse(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _serial_parse

OWN_APP_ID = os.environ.get("SWITCHBOARD_OWN_APP_ID", "")


@schemathesis.hook
def before_call(context, case, kwargs):
    params = case.path_parameters
    if OWN_APP_ID and params and params.get("id") == OWN_APP_ID and "/private-apps/" in case.operation.path:
        params["id"] = "0"
