"""A griffe extension: render the reST bits of our docstrings as Markdown.

The docstrings in ``src/`` are Sphinx style, read by people in editors and by
``help()``. mkdocstrings renders docstring text as Markdown, so two reST
constructs need translating before it does:

* roles (``:class:`~semine_plugins.PluginInfo```, ``:func:`setting```) become
  cross-references to the documented object, written as optional autorefs: a
  link when the target is on the site, plain code when it is not (a private
  helper), never a broken link;
* literal blocks (a paragraph ending in ``::`` followed by an indented block)
  become fenced code blocks.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|data|attr|mod|exc|obj|const):"
    r"`(?P<tilde>~?)(?P<target>[\w.]+)(?P<call>\(\))?`"
)
_PYTHON_START = ("from ", "import ", "@", "def ", "class ", "with ", ">>> ", "async ")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _language(block: list[str]) -> str:
    stripped = [line.strip() for line in block if line.strip()]
    if any(line.startswith(_PYTHON_START) for line in stripped):
        return "python"
    if stripped and stripped[0].startswith("["):
        return "toml"
    return "text"


def literal_blocks(text: str) -> str:
    """Turn reST literal blocks (``para::`` + indented block) into fenced code."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.rstrip()
        if not stripped.endswith("::") or stripped.lstrip().startswith(".."):
            out.append(line)
            i += 1
            continue
        base = _indent(line)
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j == len(lines) or _indent(lines[j]) <= base:
            out.append(line)  # not a literal block after all
            i += 1
            continue
        block: list[str] = []
        while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
            block.append(lines[j])
            j += 1
        while block and not block[-1].strip():
            block.pop()
        cut = min(_indent(b) for b in block if b.strip())
        pad = " " * base
        head = stripped[:-2].rstrip()
        if head.strip():
            out.append(head + ":")
            out.append("")
        out.append(f"{pad}```{_language(block)}")
        out.extend(pad + b[cut:] if b.strip() else "" for b in block)
        out.append(f"{pad}```")
        if j < len(lines):
            out.append("")
        i = j
    return "\n".join(out)


class ReSTToMarkdown(griffe.Extension):
    """Rewrite every docstring of the loaded package once it is fully loaded."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        """Rewrite roles and literal blocks in every docstring of ``pkg``."""
        for obj in _walk(pkg):
            if obj.docstring is not None:
                text = literal_blocks(obj.docstring.value)
                obj.docstring.value = _ROLE.sub(lambda m, o=obj: _role(m, o, loader), text)


def _walk(obj: griffe.Object) -> list[griffe.Object]:
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias and isinstance(member, griffe.Object):
            found.extend(_walk(member))
    return found


def _resolve(target: str, obj: griffe.Object, loader: griffe.GriffeLoader) -> str | None:
    scopes: list[str] = []
    scope: griffe.Object | None = obj
    while scope is not None:
        scopes.append(scope.path)
        scope = scope.parent
    candidates = [target] + [f"{s}.{target}" for s in scopes] + [f"semine_plugins.{target}"]
    for path in candidates:
        try:
            found = loader.modules_collection.get_member(path)
        except (KeyError, ValueError, AttributeError):
            continue
        if found is not None:
            return path
    return None


def _role(match: re.Match[str], obj: griffe.Object, loader: griffe.GriffeLoader) -> str:
    target = match["target"]
    shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
    shown += match["call"] or ""
    path = _resolve(target, obj, loader) or target
    return f'<autoref identifier="{path}" optional><code>{shown}</code></autoref>'
