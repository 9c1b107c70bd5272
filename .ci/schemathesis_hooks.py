"""Schemathesis hooks for Laurel, loaded by .ci/schemathesis.sh.

An Idempotency-Key used again with another request is refused with 422 idempotency_key_reused by
design (docs/api.md#idempotency). The generator reuses the same few keys ("0", …) for different
requests, so every valid key is replaced by a fresh one; keys the document calls invalid (empty,
longer than 255 characters) are sent as generated.
"""
import uuid

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and 1 <= len(value) <= 255:
            headers[name] = uuid.uuid4().hex
