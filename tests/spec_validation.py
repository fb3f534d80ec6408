"""Validate JSON against vendor specs (OpenAPI 3 / Swagger 2), strictly: object schemas get
``additionalProperties: false`` so a field the spec does not have fails the test."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

Check = Callable[..., None]


def strict(node: Any) -> Any:
    """The schema with every object closed to properties beyond its own."""
    if isinstance(node, dict):
        node = {k: strict(v) for k, v in node.items()}
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [strict(v) for v in node]
    return node


def spec_validator(documents: Mapping[str, Path], *, draft: int, prefix: str,
                   default_doc: str | None = None) -> Check:
    """``check(instance, name, doc=default_doc)`` asserts ``instance`` matches the schema
    ``urn:{doc}#{prefix}{name}`` (e.g. prefix ``/components/schemas/`` or
    ``/definitions/``), listing the first errors. ``documents`` maps doc names to files."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    from referencing.jsonschema import DRAFT4, DRAFT7

    spec_draft, validator_class = {4: (DRAFT4, jsonschema.Draft4Validator),
                                   7: (DRAFT7, jsonschema.Draft7Validator)}[draft]
    registry = referencing.Registry()
    for doc, path in documents.items():
        spec = strict(json.loads(path.read_text()))
        registry = registry.with_resource(f"urn:{doc}",
                                          spec_draft.create_resource(copy.deepcopy(spec)))

    def check(instance: Any, name: str, doc: str | None = default_doc) -> None:
        validator = validator_class({"$ref": f"urn:{doc}#{prefix}{name}"}, registry=registry)
        errors = sorted(validator.iter_errors(instance), key=str)
        assert not errors, f"{name}: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])

    return check
