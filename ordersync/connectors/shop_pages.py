"""What the three ``ShopOrderSource`` implementations share: opaque page cursors, mapping a
page with bad payloads set aside, and product descriptions as plain text. Pure, no I/O."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import InvalidOperation
from html import unescape
from html.parser import HTMLParser
from typing import Any

from ordersync.connectors.parsing import MappingError
from ordersync.orders import ErrorReason, Quarantined
from ordersync.orders.shop import ShopOrder

CURSOR_VERSION = 1


class BadCursor(ValueError):
    """A cursor that this listing did not hand out (other platform, other kind, corrupted)."""


def encode_cursor(platform: str, kind: str, state: Mapping[str, Any]) -> str:
    """An opaque, URL-safe cursor carrying ``state`` (JSON-able) for ``platform``'s ``kind``
    listing ("created" or "updated"); stable across processes and versions of the hub."""
    body = {"v": CURSOR_VERSION, "p": platform, "k": kind, "s": dict(state)}
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, platform: str, kind: str) -> dict[str, Any]:
    """The state inside ``cursor``; BadCursor when it belongs to another listing."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor(f"{platform}: unreadable page cursor {cursor[:40]!r}") from None
    if not isinstance(body, dict) or body.get("v") != CURSOR_VERSION \
            or not isinstance(body.get("s"), dict):
        raise BadCursor(f"{platform}: unreadable page cursor {cursor[:40]!r}")
    if body.get("p") != platform or body.get("k") != kind:
        raise BadCursor(f"{platform}: the cursor belongs to the {body.get('p')} "
                        f"{body.get('k')!r} listing, not to the {kind!r} one")
    return body["s"]


MAPPING_ERRORS = (MappingError, KeyError, TypeError, ValueError, InvalidOperation,
                  AttributeError)
"""What a mapper may raise on a malformed payload (anything else is a bug and propagates)."""


def map_page(
    items: Iterable[Any], mapper: Callable[[Mapping[str, Any]], ShopOrder], platform: str,
    id_key: str = "id",
) -> tuple[tuple[ShopOrder, ...], tuple[Quarantined, ...]]:
    """Map one page; a payload that cannot be mapped is quarantined with the reason and the
    rest of the page goes on."""
    orders: list[ShopOrder] = []
    rejected: list[Quarantined] = []
    for item in items:
        ident = item.get(id_key) if isinstance(item, Mapping) else None
        external_id = str(ident) if ident not in (None, "") else None
        try:
            if not isinstance(item, Mapping):
                raise MappingError(ErrorReason.VALIDATION, "order payload is not an object")
            orders.append(mapper(item))
        except MAPPING_ERRORS as exc:
            reason = exc.reason if isinstance(exc, MappingError) else ErrorReason.VALIDATION
            detail = str(exc) if isinstance(exc, MappingError) else \
                f"{type(exc).__name__}: {exc}"
            rejected.append(Quarantined(
                external_id, reason, f"{platform} order {external_id or '(no id)'}: {detail}",
                dict(item) if isinstance(item, Mapping) else {"payload": repr(item)[:500]},
            ))
    return tuple(orders), tuple(rejected)


class _Text(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
                        "h6", "tr", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str | None) -> str | None:
    """An HTML product description as plain text: tags dropped, entities decoded, blank
    runs collapsed, paragraphs kept as lines. None for an empty description."""
    if not html or not str(html).strip():
        return None
    parser = _Text()
    parser.feed(str(html))
    parser.close()
    text = unescape("".join(parser.parts))
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in text.split("\n"))
    out = "\n".join(line for line in lines if line)
    return out or None
