"""Write tests/unit/data/export_json_cases.txt: one models/model.json per line, exported by
torch.export (multi-output ops, dynamic shapes, keyword args). Deterministic; rerun with
`python3 tests/unit/gen_export_json_cases.py` from the repo root."""
import io
import json
import zipfile

import torch
import torch.nn.functional as F

torch.manual_seed(0)


class Pool(torch.nn.Module):
    def forward(self, x):
        return F.max_pool2d(x, 2, return_indices=True)


class Split(torch.nn.Module):
    def forward(self, x):
        a, b = torch.split(x, 2, dim=1)
        return a * 2, b


class BN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.bn = torch.nn.BatchNorm2d(3)

    def forward(self, x):
        return self.bn(x)


class Dyn(torch.nn.Module):
    def forward(self, x, y):
        return torch.cat([x, y], dim=0).sum(dim=1, keepdim=True) + x.shape[0]


class Kw(torch.nn.Module):
    def forward(self, x):
        return torch.clamp(x, min=-1.0, max=float("inf")), F.gelu(x, approximate="tanh")


def model_json(ep):
    buf = io.BytesIO()
    torch.export.save(ep, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        name = next(n for n in z.namelist() if n.endswith("models/model.json"))
        return json.loads(z.read(name))


def main():
    x4 = torch.randn(1, 3, 4, 4)
    cases = [
        torch.export.export(Pool(), (x4,)).run_decompositions(),
        torch.export.export(Split(), (torch.randn(2, 4),)),
        torch.export.export(BN().eval(), (x4,)).run_decompositions(),
        torch.export.export(BN().train(), (x4,)).run_decompositions(),
        torch.export.export(
            Dyn(),
            (torch.randn(3, 2), torch.randn(3, 2)),
            dynamic_shapes={"x": {0: torch.export.Dim("n", min=2, max=64)},
                            "y": {0: torch.export.Dim("m")}},
        ),
        torch.export.export(Kw(), (torch.randn(3),)),
    ]
    with open("tests/unit/data/export_json_cases.txt", "w") as f:
        for ep in cases:
            f.write(json.dumps(model_json(ep), separators=(",", ":"), allow_nan=True) + "\n")


if __name__ == "__main__":
    main()
