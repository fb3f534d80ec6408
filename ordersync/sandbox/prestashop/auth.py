"""The PrestaShop webservice key of a request: the Basic-auth user (any password), or the
``ws_key`` query parameter."""

from __future__ import annotations

import base64
import binascii

from starlette.requests import Request


def key_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.split(":", 1)[0]
    return request.query_params.get("ws_key") or None
