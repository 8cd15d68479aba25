"""The front matter of a subtype source, checked field by field with located errors."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from calcinosis_site.model import (
    _CITE_KEY,
    _EXAMPLES,
    FACT_KEYS,
    FIELDS,
    LAB_FACTS,
    LAB_VALUES,
    REQUIRED_FIELDS,
    TYPES,
    Differential,
    Fact,
    FieldPath,
    Position,
    Subtype,
    Treatment,
    citation_keys_in,
)
from calcinosis_site.yaml_positions import _error, _YamlPositions


class _Checker(_YamlPositions):
    """Checks one front matter, with the position of every key and value for messages."""

    def build(self, data: Any, slug: str, body: str, body_line: int) -> Subtype | None:
        """The subtype the front matter describes, or ``None`` if any of its fields is wrong."""
        if not self._is_mapping(data):
            return None
        missing = self._check_field_names(data)
        before = len(self.problems)
        name = self._string(data, "name", required=True)
        aliases = self._strings(data, ("aliases",), required=False)
        classification = self._classification(data)
        parent = self._parent(data, slug)
        order = self._order(data)
        summary = self._summary(data)
        facts = self._facts(data)
        reviewed = self._date(data, "reviewed")
        differential = self._differential(data)
        treatments = self._treatments(data)
        if len(self.problems) > before or missing or name is None or summary is None:
            return None
        if facts is None or classification is None:
            return None
        return Subtype(
            slug=slug,
            path=self.path,
            name=name,
            aliases=aliases or (),
            classification=classification,
            parent=parent,
            order=order,
            summary=summary.strip(),
            facts=MappingProxyType(facts),
            body=body,
            body_line=body_line,
            positions=MappingProxyType(self._dotted_positions()),
            reviewed=reviewed,
            differential=differential,
            treatments=treatments,
        )

    def _is_mapping(self, data: Any) -> bool:
        """Whether the front matter is a mapping of fields (if not, the error is recorded)."""
        if data is None:
            self.problems.append(
                _error(
                    self.path,
                    1,
                    1,
                    "front matter is empty",
                    f"Add the required fields: {', '.join(REQUIRED_FIELDS)}",
                )
            )
            return False
        if not isinstance(data, dict):
            self.problems.append(
                _error(
                    self.path,
                    2,
                    1,
                    f"front matter must be a mapping of fields, not {_describe(data)}",
                    "Write one 'field: value' per line",
                )
            )
            return False
        return True

    def _check_field_names(self, data: dict[Any, Any]) -> list[str]:
        """The required fields that are missing; unknown and missing fields are recorded."""
        for key in data:
            if not isinstance(key, str) or key not in FIELDS:
                self.error((str(key),), f"unknown field '{key}'", _did_you_mean(str(key), FIELDS))
        missing = [f for f in REQUIRED_FIELDS if f not in data]
        for field in missing:
            self.problems.append(
                _error(
                    self.path,
                    1,
                    1,
                    f"missing required field '{field}'",
                    f"Add it, e.g. `{_EXAMPLES[field]}`",
                )
            )
        return missing

    def _summary(self, data: dict[Any, Any]) -> str | None:
        """The summary (``None`` if not a non-empty string); one that cites nothing is an error."""
        summary = self._string(data, "summary", required=True)
        if summary is not None and not citation_keys_in(summary):
            self.error(
                ("summary",),
                "field 'summary' has no citation",
                "Cite its source at the end, e.g. `summary: One sentence [@key].`",
            )
        return summary

    def _dotted_positions(self) -> dict[str, Position]:
        """The position of each key and each list item, by dotted path (``facts.onset.cite.0``)."""
        positions = {".".join(str(p) for p in path): pos for path, pos in self.keys.items()}
        for path, pos in self.values.items():
            if isinstance(path[-1], int):
                positions[".".join(str(p) for p in path)] = pos
        return positions

    def _date(self, data: dict[Any, Any], field: str) -> str | None:
        """A ``YYYY-MM-DD`` date (YAML reads an unquoted one as a date)."""
        if field not in data:
            return None
        value = data[field]
        text = value.isoformat() if isinstance(value, datetime.date) else str(value)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            self._wrong_type((field,), "a date (YYYY-MM-DD)", value, _EXAMPLES[field])
            return None
        return text

    def _differential(self, data: dict[Any, Any]) -> tuple[Differential, ...]:
        rows = self._rows(data, "differential", ("condition", "distinguish"))
        return tuple(Differential(texts[0], texts[1], keys, line) for texts, keys, line in rows)

    def _treatments(self, data: dict[Any, Any]) -> tuple[Treatment, ...]:
        rows = self._rows(data, "treatments", ("name",))
        return tuple(Treatment(texts[0], keys, line) for texts, keys, line in rows)

    def _rows(
        self, data: dict[Any, Any], field: str, columns: tuple[str, ...]
    ) -> list[tuple[list[str], tuple[str, ...], int]]:
        """The rows of a list field whose rows are texts and a ``cite``: (texts, keys, line)."""
        value = data.get(field, [])
        if not isinstance(value, list):
            self._wrong_type((field,), "a list of rows", value, _EXAMPLES[field])
            return []
        rows = []
        for i, row in enumerate(value):
            path: FieldPath = (field, i)
            if not isinstance(row, dict) or set(row) != {*columns, "cite"}:
                self.error(
                    path,
                    f"row {i + 1} of '{field}' must have exactly {', '.join(columns)} and cite",
                    f"Write it like `{_EXAMPLES[field]}`",
                    value=True,
                )
                continue
            texts = [row[k] for k in columns]
            keys = self._cite(path, row)
            if not all(isinstance(t, str) and t.strip() for t in texts) or keys is None:
                if keys is not None:
                    message = f"row {i + 1} of '{field}' has an empty text"
                    self.error(path, message, f"Fill in {' and '.join(columns)}", value=True)
                continue
            rows.append(([t.strip() for t in texts], keys, self.at(path, True)[0]))
        return rows

    def _wrong_type(self, path: FieldPath, expected: str, got: Any, example: str) -> None:
        field = ".".join(str(p) for p in path)
        self.error(
            path,
            f"field '{field}' must be {expected}, not {_describe(got)}",
            f"Write it like `{example}`",
            value=True,
        )

    def _string(self, data: dict[Any, Any], field: str, required: bool) -> str | None:
        if field not in data:
            return None
        value = data[field]
        if not isinstance(value, str) or (required and not value.strip()):
            example = _EXAMPLES[field]
            hint_type = "a non-empty string" if required else "a string"
            if isinstance(value, list) and field == "summary":
                example += " (quote text that starts with '[')"
            self._wrong_type((field,), hint_type, value, example)
            return None
        return value

    def _strings(
        self, data: dict[Any, Any], path: FieldPath, required: bool
    ) -> tuple[str, ...] | None:
        field = str(path[-1])
        if field not in data:
            return None
        value = data[field]
        example = _EXAMPLES.get(field, f"{field}: [...]")
        if not isinstance(value, list) or (required and not value):
            kind = "a non-empty list of strings" if required else "a list of strings"
            self._wrong_type(path, kind, value, example)
            return None
        ok = True
        for i, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                dotted = ".".join(str(p) for p in path)
                self.error(
                    (*path, i),
                    f"item {i + 1} of '{dotted}' must be a non-empty string, not {_describe(item)}",
                    f"Write it like `{example}`",
                    value=True,
                )
                ok = False
        return tuple(v.strip() for v in value) if ok else None

    def _classification(self, data: dict[Any, Any]) -> tuple[str, ...] | None:
        values = self._strings(data, ("classification",), required=True)
        if values is None:
            return None
        ok = True
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value not in TYPES:
                self.error(
                    ("classification", i),
                    f"unknown classification '{value}'",
                    _did_you_mean(value, TYPES),
                    value=True,
                )
                ok = False
            elif value in seen:
                self.error(
                    ("classification", i),
                    f"classification '{value}' is listed twice",
                    "List each type once",
                    value=True,
                )
                ok = False
            seen.add(value)
        return values if ok else None

    def _parent(self, data: dict[Any, Any], slug: str) -> str | None:
        value = self._string(data, "parent", required=True) if "parent" in data else None
        if value is None:
            return None
        value = value.strip()
        if value.endswith(".md"):
            self.error(
                ("parent",),
                f"parent '{value}' names a file",
                f"Give the slug without '.md': `parent: {value[:-3]}`",
                value=True,
            )
            return None
        if value == slug:
            self.error(
                ("parent",),
                f"parent cycle: {slug} → {slug}",
                "A subtype cannot sit under itself; remove `parent` or name another subtype",
                value=True,
            )
            return None
        return value

    def _order(self, data: dict[Any, Any]) -> int | None:
        if "order" not in data:
            return None
        value = data["order"]
        if not isinstance(value, int) or isinstance(value, bool):
            self._wrong_type(("order",), "an integer", value, _EXAMPLES["order"])
            return None
        return value

    def _facts(self, data: dict[Any, Any]) -> dict[str, Fact | None] | None:
        if "facts" not in data:
            return None
        value = data["facts"]
        if not isinstance(value, dict):
            self._wrong_type(("facts",), "a mapping of the six facts", value, _EXAMPLES["facts"])
            return None
        ok = True
        for key in value:
            if key not in FACT_KEYS:
                self.error(
                    ("facts", str(key)),
                    f"unknown fact key '{key}'",
                    _did_you_mean(str(key), FACT_KEYS),
                )
                ok = False
        for key in FACT_KEYS:
            if key not in value:
                self.error(
                    ("facts",),
                    f"missing fact key '{key}'",
                    f"Add `{key}: null` if the cited sources do not document it, else "
                    f"`{_EXAMPLES['lab' if key in LAB_FACTS else 'text']}`",
                )
                ok = False
        facts: dict[str, Fact | None] = {}
        for key in FACT_KEYS:
            if key in value:
                good, fact = self._fact(key, value[key])
                ok = ok and good
                facts[key] = fact
        return facts if ok else None

    def _fact(self, key: str, value: Any) -> tuple[bool, Fact | None]:
        path: FieldPath = ("facts", key)
        lab = key in LAB_FACTS
        example = _EXAMPLES["lab" if lab else "text"]
        if value is None:
            return True, None
        if not isinstance(value, dict):
            self._wrong_type(path, "a mapping or null", value, example)
            return False, None
        allowed = ("value", "note", "cite") if lab else ("text", "cite")
        ok = True
        for sub in value:
            if sub not in allowed:
                self.error(
                    (*path, str(sub)),
                    f"unknown field '{sub}' in fact '{key}'",
                    f"Use {', '.join(allowed)}, e.g. `{example}`",
                )
                ok = False
        text = note = shown = None
        if lab:
            if "value" not in value:
                self.error(path, f"fact '{key}' has no 'value'", f"Add it, e.g. `{example}`")
                ok = False
            elif value["value"] not in LAB_VALUES or not isinstance(value["value"], str):
                self.error(
                    (*path, "value"),
                    f"bad {key} value '{value['value']}'",
                    f"Use one of: {', '.join(LAB_VALUES)} (add details in `note`)",
                    value=True,
                )
                ok = False
            else:
                shown = value["value"]
            if "note" in value:
                if isinstance(value["note"], str) and value["note"].strip():
                    note = value["note"].strip()
                else:
                    self._wrong_type(
                        (*path, "note"), "a non-empty string", value["note"], _EXAMPLES["note"]
                    )
                    ok = False
        elif "text" not in value:
            self.error(path, f"fact '{key}' has no 'text'", f"Add it, e.g. `{example}`")
            ok = False
        elif not isinstance(value["text"], str) or not value["text"].strip():
            self._wrong_type((*path, "text"), "a non-empty string", value["text"], example)
            ok = False
        else:
            text = value["text"].strip()
        cite = self._cite(path, value)
        if not ok or cite is None:
            return False, None
        return True, Fact(key, text, shown, note, cite, self.at(path)[0])

    def _cite(self, path: FieldPath, value: dict[Any, Any]) -> tuple[str, ...] | None:
        key = path[-1]
        if "cite" not in value:
            self.error(
                path,
                f"fact '{key}' has no 'cite'",
                "Cite the sources of the fact (`cite: [key]`), or write the fact as null "
                "if no source documents it",
            )
            return None
        keys = self._strings(value, (*path, "cite"), required=True)
        if keys is None:
            return None
        for i, k in enumerate(keys):
            if k.startswith("@") or not _CITE_KEY.fullmatch("@" + k):
                self.error(
                    (*path, "cite", i),
                    f"bad citation key '{k}' in fact '{key}'",
                    "Write the bare key, as in bibliography.bib (no '@', no brackets)",
                    value=True,
                )
                return None
        return keys


# --- messages ----------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ('{value}')" if len(value) < 40 else "a string"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, dict):
        return "a mapping"
    return f"a {type(value).__name__}"


def _did_you_mean(value: str, choices: Sequence[str], what: str = "one of") -> str:
    close = [c for c in choices if c.casefold() == value.casefold()]
    if not close and len(value) >= 4:  # a shared start is the strongest hint ('classs')
        close = [c for c in choices if c.casefold().startswith(value.casefold()[:5])][:1]
    if not close:
        close = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    prefix = f"Did you mean '{close[0]}'? " if close else ""
    return f"{prefix}Use {what}: {', '.join(choices)}"
