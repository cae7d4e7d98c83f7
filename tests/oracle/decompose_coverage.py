"""The ops pt2c runs (src/ops/list_*.h) that are not Core ATen, that run_decompositions()
rewrites, and that no row of the decompose pass's table (src/passes/decompose_rules.c)
covers. Run from the repository root: python3 tests/oracle/decompose_coverage.py

Not a test: a list to work from. In-place ops are listed too, though functionalize makes
them functional first (`--passes functionalize,decompose`)."""
import glob
import re

import torch

targets = set()
for f in glob.glob("src/ops/list_*.h"):
    targets |= set(re.findall(r'"torch\.ops\.aten\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)"',
                              open(f).read()))
rules = set(re.findall(r'ATEN\("([A-Za-z0-9_]+\.[A-Za-z0-9_]+)"\), \w+\}',
                       open("src/passes/decompose_rules.c").read()))
table = torch.export.default_decompositions()
need = []
for op, ov in sorted(targets):
    try:
        o = getattr(getattr(torch.ops.aten, op), ov)
    except AttributeError:
        continue
    if torch.Tag.core in o.tags:
        continue
    if o in table or (hasattr(o, "_can_decompose") and o._can_decompose()):
        need.append(f"{op}.{ov}")
miss = [n for n in need if n not in rules]
print(len(targets), "pt2c ops;", len(need), "non-core ops run_decompositions rewrites;",
      len(need) - len(miss), "have rules")
print("missing:", " ".join(miss))
