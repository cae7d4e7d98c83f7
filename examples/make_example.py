"""Write examples/simple_net.pt2, the bundled example: the torch.export tutorial's second
SimpleNet (conv -> relu -> max_pool2d -> mul by a bool buffer -> flatten -> two linear heads
-> relu, returning a tuple), random weights from a fixed seed, saved by torch.export.save.

    python3 examples/make_example.py
"""
from pathlib import Path

import torch


class SimpleNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 6, 5)
        self.fc1 = torch.nn.Linear(6 * 14 * 14, 10)
        self.fc2 = torch.nn.Linear(6 * 14 * 14, 10)
        self.register_buffer("mask", torch.rand(6, 14, 14) > 0.3)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        x = x * self.mask
        x = torch.flatten(x, 1)
        return torch.relu(self.fc1(x)), torch.relu(self.fc2(x))


def main():
    torch.manual_seed(0)
    model = SimpleNet().eval()
    example = (torch.randn(1, 3, 32, 32),)
    ep = torch.export.export(model, example)
    out = Path(__file__).with_name("simple_net.pt2")
    torch.export.save(ep, str(out))
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
