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


def main() -> None:
    schema = lxml_schema("Invoice")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    print(f"{'case':<28}{'ours ms':>10}{'lxml ms':>10}{'ratio':>8}")
    for lines, repeat in ((10, 200), (1000, 20)):
        data = make(lines)
        assert validate(data).valid
        base = best(lambda d=data: schema.validate(etree.fromstring(d, parser)), repeat)
        ours = best(lambda d=data: validate(d), repeat)
        model = best(lambda d=data: parse(d), repeat)
        for label, value in ((f"validate {lines} lines", ours), (f"parse->model {lines}", model)):
            ratio = value / base
            print(f"{label:<28}{value * 1e3:>10.3f}{base * 1e3:>10.3f}{ratio:>8.2f}")
    print(f"cold `validate one.xml` in a fresh process (schema cache warm): {cold():.2f} s")


if __name__ == "__main__":
    main()
