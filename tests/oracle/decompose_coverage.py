"""The ops pt2c runs (src/ops/list_*.h) that are not Core ATen, that run_decompositions()
rewrites, and that no row of the decompose pass's table (src/passes/decompose_rules.c)
covers. Run from the repository root: python3 tests/oracle/decompose_coverage.py

Not a test: a list to work from. In-place ops count as covered when functionalize makes
them functional (`--passes functionalize,decompose`) and their functional twin has a rule
or is Core ATen.
EXCLUDED lists ops no rule should cover, with the reason.

Last run (torch 2.13): 349 pt2c ops; 136 non-core ops run_decompositions rewrites; rules
for 122 of 136, 12 more through functionalize, 2 excluded; missing: none."""
import glob
import re

import torch

EXCLUDED = {
    # In torch.export.default_decompositions(), but run_decompositions() leaves a node of
    # these overloads (output_size plus per-dim scales) as it is in torch 2.13; the .vec
    # overloads F.interpolate writes have rules.
    "upsample_nearest2d.default": "run_decompositions() keeps it",
    "_upsample_nearest_exact2d.default": "run_decompositions() keeps it",
}

targets = set()
for f in glob.glob("src/ops/list_*.h"):
    targets |= set(re.findall(r'"torch\.ops\.aten\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)"',
                              open(f).read()))
rules = set(re.findall(r'ATEN\("([A-Za-z0-9_]+\.[A-Za-z0-9_]+)"\), \w+\}',
                       open("src/passes/decompose_rules.c").read()))
functionalize = open("src/passes/functionalize.c").read()
renamed = dict(re.findall(r'\{"torch\.ops\.aten\.([A-Za-z0-9_.]+)", "torch\.ops\.aten\.([A-Za-z0-9_.]+)"\}',
                          functionalize))


def twin(name):
    """The functional op functionalize writes for an in-place one, or None."""
    if name in renamed:
        return renamed[name]
    op, ov = name.split(".")
    return f"{op[:-1]}.{ov}" if op.endswith("_") else None


def is_core(name):
    op, ov = name.split(".")
    return torch.Tag.core in getattr(getattr(torch.ops.aten, op), ov).tags


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
excluded = [n for n in need if n in EXCLUDED]
via = [n for n in need if n not in rules and n not in EXCLUDED and twin(n) and
       (twin(n) in rules or is_core(twin(n)))]
miss = [n for n in need if n not in rules and n not in EXCLUDED and n not in via]
have = len(need) - len(miss) - len(via) - len(excluded)
print(f"{len(targets)} pt2c ops; {len(need)} non-core ops run_decompositions rewrites; rules "
      f"for {have} of {len(need)}, {len(via)} more through functionalize, {len(excluded)} "
      "excluded")
print("through functionalize:", " ".join(via))
print("excluded:", " ".join(f"{n} ({EXCLUDED[n]})" for n in excluded))
print("missing:", " ".join(miss) or "none")
