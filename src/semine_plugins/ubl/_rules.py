"""Level 2: the CEN EN 16931 UBL business rules (compiled Schematron, XSLT 2.0, run by saxonche).

Importing this module raises :class:`ImportError` when saxonche is missing;
:func:`semine_plugins.ubl.validate` turns that into a clear "skipped" note.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from saxonche import PySaxonProcessor

from semine_plugins.ubl import _schema_cache
from semine_plugins.ubl._validate import ValidationIssue

__all__ = ["check"]

SVRL = "http://purl.oclc.org/dsdl/svrl"
_lock = threading.Lock()
_state: dict[str, Any] = {}
_STEP = re.compile(r"\*:([\w.-]+)\[namespace-uri\(\)='([^']*)'\](\[\d+\])?")


def _executable() -> Any:
    if "exe" not in _state:
        proc = PySaxonProcessor(license=False)
        xslt = proc.new_xslt30_processor()
        _state["proc"] = proc
        _state["exe"] = xslt.compile_stylesheet(stylesheet_file=str(_schema_cache.xslt_path()))
    return _state["exe"]


def _line_of(root: etree._Element, location: str) -> int | None:
    """Find the source line of an SVRL location such as ``/*:Invoice[namespace-uri()='…'][1]/…``."""
    xpath = _STEP.sub(
        lambda m: (
            f"*[local-name()='{m.group(1)}' and namespace-uri()='{m.group(2)}']"
            + (m.group(3) or "")
        ),
        location,
    )
    parts = xpath.split("/", 2)  # "", root step, rest
    if len(parts) < 3 or not parts[2]:
        top: object = root.sourceline
        return top if isinstance(top, int) else None
    try:
        found = root.xpath(parts[2])
    except etree.XPathError:
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        line: object = found[0].sourceline
        return line if isinstance(line, int) else None
    return None


def check(root: etree._Element) -> tuple[list[ValidationIssue], list[ValidationIssue]]:
    """Run the EN 16931 rules on a UBL root element; return (errors, warnings)."""
    text = etree.tostring(root, encoding="unicode")
    with _lock:
        exe = _executable()
        node = _state["proc"].parse_xml(xml_text=text)
        svrl = exe.transform_to_string(xdm_node=node)
    out = etree.fromstring(
        svrl.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True)
    )
    errors: list[ValidationIssue] = []
    warnings: list[ValidationIssue] = []
    for failed in out.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        flag = failed.get("flag", "fatal")
        message = " ".join("".join(failed.itertext()).split())
        location = failed.get("location") or ""
        issue = ValidationIssue(
            message=message,
            level="rules",
            line=_line_of(root, location),
            path=re.sub(r"\[namespace-uri\(\)='[^']*'\]", "", location).replace("*:", "") or None,
            rule=failed.get("id"),
        )
        (warnings if flag == "warning" else errors).append(issue)
    return errors, warnings
