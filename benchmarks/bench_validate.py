"""Side-by-side timing: semine_plugins.ubl.validate / parse vs bare libxml2 (lxml).

Run: python benchmarks/bench_validate.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import attrs
from lxml import etree

from semine_plugins.ubl import calculate_totals, parse, validate
from semine_plugins.ubl._schema_cache import lxml_schema

SAMPLE = Path(__file__).parents[1] / "tests" / "data" / "ubl" / "ehf-invoice-no.xml"


def make(lines: int) -> bytes:
    base = parse(SAMPLE.read_bytes())
    many = tuple(attrs.evolve(base.lines[i % 3], id=str(i + 1)) for i in range(lines))
    return calculate_totals(attrs.evolve(base, lines=many)).to_xml()


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cold() -> float:
    code = (
        "import sys; from semine_plugins.ubl import validate; "
        "validate(open(sys.argv[1], 'rb').read())"
    )
    subprocess.run([sys.executable, "-c", code, str(SAMPLE)], check=True)  # fills the cache
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(SAMPLE)], check=True)
    return time.perf_counter() - start


def measure(repeat: int = 200) -> list[dict[str, float | str]]:
    """Best-of-``repeat`` times of validate and parse->model vs lxml, for 10 and 1000 lines."""
    schema = lxml_schema("Invoice")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    cases: list[dict[str, float | str]] = []
    for lines, times in ((10, repeat), (1000, max(3, repeat // 10))):
        data = make(lines)
        assert validate(data).valid
        base = best(lambda d=data: schema.validate(etree.fromstring(d, parser)), times)
        ours = best(lambda d=data: validate(d), times)
        model = best(lambda d=data: parse(d), times)
        for label, value in ((f"validate {lines} lines", ours), (f"parse->model {lines}", model)):
            cases.append(
                {
                    "case": label,
                    "ours_ms": value * 1e3,
                    "lxml_ms": base * 1e3,
                    "ratio": value / base,
                }
            )
    return cases


def main() -> None:
    print(f"{'case':<28}{'ours ms':>10}{'lxml ms':>10}{'ratio':>8}")
    for c in measure():
        print(f"{c['case']:<28}{c['ours_ms']:>10.3f}{c['lxml_ms']:>10.3f}{c['ratio']:>8.2f}")
    print(f"cold `validate one.xml` in a fresh process (schema cache warm): {cold():.2f} s")


if __name__ == "__main__":
    main()
