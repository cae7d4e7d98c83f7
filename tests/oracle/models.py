"""Model definitions and export specs for the oracle tests."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim, export


class SimpleNetA(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 9, 5)
        self.fc = nn.Linear(5184, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        return self.fc(x.view(1, -1))


class SimpleNetB(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.register_buffer("mask", torch.rand(6, 14, 14) > 0.5)
        self.fc1 = nn.Linear(1176, 10)
        self.fc2 = nn.Linear(1176, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2) * self.mask
        x = torch.flatten(x, 1)
        return F.relu(self.fc1(x)), F.relu(self.fc2(x))


class BufConst(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.register_buffer("scale", torch.arange(4, dtype=torch.float32), persistent=False)
        self.register_buffer("count", torch.tensor([3], dtype=torch.int64))
        self.bias_const = torch.randn(4)

    def forward(self, x):
        return self.lin(x) * self.scale + self.bias_const + self.count


class ArgsKw(nn.Module):
    def forward(self, x):
        a = torch.arange(x.shape[-1], dtype=torch.float32)
        f = torch.full((2, 3, 4), 0.5, dtype=torch.float32, device="cpu")
        d = x.to(torch.float64)
        s = torch.sum(x, dim=[1, 2], keepdim=True)
        p = F.pad(x, (1, 1), value=2.5)
        c = torch.clamp(x, min=-0.25, max=None)
        z = torch.zeros_like(x, dtype=torch.int64)
        t = x.transpose(1, 2)
        sl = x[:, 1:]
        sm = torch.softmax(x, dim=-1)
        m = sm.masked_fill(x > 0.5, float("-inf"))
        return a + f + s + c + m, d, p, z, t, sl


class DynBatch(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(8, 3)

    def forward(self, x):
        return torch.relu(self.lin(x)).sum(dim=1)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        idt = x if self.down is None else self.down(x)
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + idt)


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.layer1 = BasicBlock(8, 8, 1)
        self.layer2 = BasicBlock(8, 16, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = F.relu(self.bn(self.stem(x)))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class SplitChunk(nn.Module):
    def forward(self, x):
        a, b = torch.chunk(x, 2, dim=1)
        c, d, e = torch.split(x, [1, 1, 2], dim=1)
        return a * b, c + d + e[:, :1]


class MaxDim(nn.Module):
    def forward(self, x):
        v, _ = x.max(dim=1)
        return v


class DoubleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(6, 5).double()
        self.l2 = nn.Linear(5, 2).double()

    def forward(self, x):
        return self.l2(torch.tanh(self.l1(x)))


def _resnet():
    m = TinyResNet().eval()
    ep = export(m, (torch.randn(1, 3, 16, 16),))
    return ep.run_decompositions()


SPECS = {
    "simplenet_a": lambda: export(SimpleNetA().eval(), (torch.randn(1, 3, 32, 32),)),
    "simplenet_b": lambda: export(SimpleNetB().eval(), (torch.randn(1, 3, 32, 32),)),
    "buf_const": lambda: export(BufConst().eval(), (torch.randn(2, 4),)),
    "args_kw": lambda: export(ArgsKw().eval(), (torch.rand(2, 3, 4),)),
    "dyn_batch": lambda: export(DynBatch().eval(), (torch.randn(4, 8),),
                                dynamic_shapes={"x": {0: Dim("batch", min=1, max=64)}}),
    "resnet_decomp": _resnet,
    "split_chunk": lambda: export(SplitChunk().eval(), (torch.randn(2, 4, 3),)),
    "max_dim": lambda: export(MaxDim().eval(), (torch.randn(3, 5),)),
    "double_mlp": lambda: export(DoubleMLP().eval(), (torch.randn(3, 6, dtype=torch.float64),)),
}


def export_spec(name):
    return SPECS[name]()
