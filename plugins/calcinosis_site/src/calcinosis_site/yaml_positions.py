"""Reading a front matter's YAML with the position of every key and value, for located errors."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bibcite.problems import Problem, Severity
from calcinosis_site.model import FieldPath, Position


class _YamlPositions:
    """Reads one front matter, recording where each key and value is and the problems found."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.keys: dict[FieldPath, Position] = {}
        self.values: dict[FieldPath, Position] = {}

    # positions ------------------------------------------------------------------------------
    def load_yaml(self, front: str) -> Any:
        """The YAML document (``None`` if empty or unreadable), its positions recorded."""
        loader = yaml.SafeLoader(front)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            self._walk(node, ())
            return loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 2, mark.column + 1) if mark else (1, 1)
            what = exc.problem or "invalid YAML"
            if exc.context:
                what = f"{what} ({exc.context})"
            bad = (
                front.splitlines()[mark.line]
                if mark and mark.line < len(front.splitlines())
                else ""
            )
            hint = "Fix the YAML syntax"
            if "@" in bad:
                hint = (
                    "Write citation keys without '@' in YAML (cite: [key]) and quote text with '@'"
                )
            elif ": " in bad[bad.find(":") + 1 :] if ":" in bad else False:
                hint = "Quote text that contains ': ' (e.g. text: \"...\")"
            self.problems.append(_error(self.path, line, col, f"YAML syntax error: {what}", hint))
            return None
        except yaml.YAMLError as exc:
            self.problems.append(_error(self.path, 1, 1, f"YAML error: {exc}", "Fix the YAML"))
            return None
        finally:
            loader.dispose()

    def _walk(self, node: Node, path: FieldPath, seen_nodes: frozenset[int] = frozenset()) -> None:
        """Records the positions under ``node``, and each key given twice as a problem."""
        if id(node) in seen_nodes:  # a recursive alias (&a [*a]): positions are known already
            return
        seen_nodes = seen_nodes | {id(node)}
        if isinstance(node, MappingNode):
            seen: dict[str, int] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    continue
                key = str(key_node.value)
                here = (key_node.start_mark.line + 2, key_node.start_mark.column + 1)
                if key in seen:
                    field = ".".join(str(p) for p in (*path, key))
                    self.problems.append(
                        _error(
                            self.path,
                            *here,
                            f"field '{field}' is given twice (first on line {seen[key]})",
                            "Keep one of them",
                        )
                    )
                    continue
                seen[key] = here[0]
                self.keys[(*path, key)] = here
                self.values[(*path, key)] = (
                    value_node.start_mark.line + 2,
                    value_node.start_mark.column + 1,
                )
                self._walk(value_node, (*path, key), seen_nodes)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                self.values[(*path, i)] = (item.start_mark.line + 2, item.start_mark.column + 1)
                self._walk(item, (*path, i), seen_nodes)

    def at(self, path: FieldPath, value: bool = False) -> Position:
        """Position of a field's key (or value); falls back to the nearest enclosing field."""
        table = self.values if value else self.keys
        for n in range(len(path), 0, -1):
            pos = table.get(path[:n]) or self.keys.get(path[:n])
            if pos:
                return pos
        return (1, 1)

    def error(self, path: FieldPath, message: str, hint: str, value: bool = False) -> None:
        """Records an error at a field's key (or value)."""
        self.problems.append(_error(self.path, *self.at(path, value), message, hint))


def _error(path: str, line: int, col: int, message: str, hint: str) -> Problem:
    """An error at a line and column of a file."""
    return Problem(path, line, col, message, hint, Severity.ERROR)
