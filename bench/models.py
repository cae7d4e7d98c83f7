"""The models bench/compare.py measures, built the same way every time.

Real architectures at real sizes (kernels only matter when a model is big enough for them to
dominate), from `transformers` configs with random weights, since nothing can be downloaded,
plus the torch.export tutorial's SimpleNet. Every model is batch 1, fp32, eval mode, and built
from a fixed seed, so a worker process that rebuilds a model gets the same weights.

Random weights need two repairs before anyone times them (docs/benchmarking.md, "Trap"):
- BatchNorm at running mean 0 / variance 1 makes activations fade layer by layer (a random
  MobileNetV2 ends at ~1e-22, and denormals make engines fast or slow for the wrong reason).
  `calibrate_batchnorm` sets every BatchNorm's running statistics from its real input on a
  batch of random data, in forward order, so each layer sees already-normalised input.
- Norm weights get values near 1 and biases near 0 instead of exactly 1 and 0, so a kernel
  that ignored them would be caught by the output check; ConvNeXt's layer scale (1e-6 at
  init, which would make every block a no-op) gets values near 1 as well.

    from models import MODELS, build
    model, inputs = build("resnet18")     # eval-mode nn.Module, tuple of input tensors
    out = model(*inputs)                  # one tensor (SimpleNet: a tuple of two)
"""
from dataclasses import dataclass
from typing import Callable, Tuple

import torch
import torch.nn as nn

SEED = 0
IMAGE = (1, 3, 224, 224)
CALIBRATION_BATCH = 4


@dataclass(frozen=True)
class Spec:
    title: str                             # name in the report
    make: Callable[[], nn.Module]          # builds the (untrained) module
    inputs: Callable[[nn.Module], tuple]   # example inputs for the built module, batch 1
    calibration: Callable[[nn.Module], tuple]  # random data for the BatchNorm statistics


# ------------------------------------------------------------------------------------------ #
# SimpleNet: the bundled example (examples/make_example.py), as the tutorial defines it.

class SimpleNet(nn.Module):
    """torch.export tutorial's second SimpleNet; returns a tuple of two [1, 10] tensors."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 5)
        self.fc1 = nn.Linear(6 * 14 * 14, 10)
        self.fc2 = nn.Linear(6 * 14 * 14, 10)
        self.register_buffer("mask", torch.rand(6, 14, 14) > 0.3)

    def forward(self, x):
        x = torch.nn.functional.max_pool2d(torch.relu(self.conv(x)), 2)
        x = x * self.mask
        x = torch.flatten(x, 1)
        return torch.relu(self.fc1(x)), torch.relu(self.fc2(x))


# ------------------------------------------------------------------------------------------ #
# transformers models, wrapped so that forward takes tensors and returns one tensor.

class HFWrapper(nn.Module):
    """Calls a transformers model with positional tensors and keeps its first output.

    `return_dict=False` gives a plain tuple that torch.export and the ONNX exporter handle;
    the first element is the last hidden state for every model here."""

    def __init__(self, model, **kwargs):
        super().__init__()
        self.model = model
        self.kwargs = kwargs

    def forward(self, *args):
        return self.model(*args, return_dict=False, **self.kwargs)[0]


def _hf(model_cls_name, config_cls_name, **config):
    """A builder for transformers.<model_cls>(transformers.<config_cls>(**config)), wrapped.

    transformers is imported on first use so that SimpleNet alone works without it."""
    def make():
        import transformers
        cfg = getattr(transformers, config_cls_name)(**config)
        model = getattr(transformers, model_cls_name)(cfg)
        kwargs = {"use_cache": False} if model_cls_name == "GPT2Model" else {}
        return HFWrapper(model, **kwargs)
    return make


def _image(batch=1):
    return lambda model: (torch.randn(batch, *IMAGE[1:]),)


def _tokens(n_tokens, batch=1):
    """Random token ids in [0, vocab): the model's own vocabulary size, from its config."""
    def inputs(model):
        vocab = model.model.config.vocab_size
        return (torch.randint(0, vocab, (batch, n_tokens)),)
    return inputs


MODELS = {
    "simplenet": Spec("SimpleNet (tutorial) 32²", SimpleNet,
                      lambda m: (torch.randn(1, 3, 32, 32),),
                      lambda m: (torch.randn(CALIBRATION_BATCH, 3, 32, 32),)),
    "resnet18": Spec("ResNet-18 224²",
                     _hf("ResNetModel", "ResNetConfig", layer_type="basic", depths=[2, 2, 2, 2],
                         hidden_sizes=[64, 128, 256, 512]),
                     _image(), _image(CALIBRATION_BATCH)),
    "resnet50": Spec("ResNet-50 224²", _hf("ResNetModel", "ResNetConfig"),
                     _image(), _image(CALIBRATION_BATCH)),
    "mobilenetv2": Spec("MobileNetV2 1.0 224²", _hf("MobileNetV2Model", "MobileNetV2Config"),
                        _image(), _image(CALIBRATION_BATCH)),
    "convnext_t": Spec("ConvNeXt-T 224²", _hf("ConvNextModel", "ConvNextConfig"),
                       _image(), _image(CALIBRATION_BATCH)),
    "vit_s16": Spec("ViT-S/16 224²",
                    _hf("ViTModel", "ViTConfig", hidden_size=384, num_attention_heads=6,
                        intermediate_size=1536),
                    _image(), _image(CALIBRATION_BATCH)),
    "bert_base": Spec("BERT-base 128 tokens", _hf("BertModel", "BertConfig"),
                      _tokens(128), _tokens(128, CALIBRATION_BATCH)),
    "gpt2": Spec("GPT-2 small 64 tokens", _hf("GPT2Model", "GPT2Config"),
                 _tokens(64), _tokens(64, CALIBRATION_BATCH)),
}


# ------------------------------------------------------------------------------------------ #
# Repairs for random weights

def _is_norm(module):
    """BatchNorm, LayerNorm, GroupNorm and the models' own LayerNorm classes: anything named
    *Norm* with a 1-D affine weight."""
    w = getattr(module, "weight", None)
    return ("Norm" in type(module).__name__ and isinstance(w, nn.Parameter) and w.dim() == 1)


@torch.no_grad()
def randomize_norms(model, gen):
    """Norm weights uniform in [0.8, 1.2], biases in [-0.1, 0.1]; layer scales likewise ~1."""
    for module in model.modules():
        if _is_norm(module):
            module.weight.copy_(torch.empty_like(module.weight).uniform_(0.8, 1.2, generator=gen))
            if getattr(module, "bias", None) is not None:
                module.bias.copy_(torch.empty_like(module.bias).uniform_(-0.1, 0.1, generator=gen))
    for name, p in model.named_parameters():
        if name.endswith("layer_scale_parameter"):
            p.copy_(torch.empty_like(p).uniform_(0.8, 1.2, generator=gen))


@torch.no_grad()
def calibrate_batchnorm(model, data):
    """Set each BatchNorm's running mean/var from its actual input on `data`, in forward order.

    A forward pre-hook runs just before its BatchNorm, so it writes the statistics of the input
    that already went through every earlier (calibrated) BatchNorm; the BatchNorm itself, in
    eval mode, then normalises with them. One forward pass calibrates the whole network."""
    def hook(bn, args):
        x = args[0]
        dims = [d for d in range(x.dim()) if d != 1]
        bn.running_mean.copy_(x.mean(dim=dims))
        bn.running_var.copy_(x.var(dim=dims, unbiased=False))

    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    handles = [bn.register_forward_pre_hook(hook) for bn in bns]
    try:
        model(*data)
    finally:
        for h in handles:
            h.remove()
    return len(bns)


def build(name) -> Tuple[nn.Module, tuple]:
    """The named model in eval mode with repaired random weights, and its batch-1 inputs.

    Deterministic: the same name gives the same weights and inputs in any process."""
    spec = MODELS[name]
    torch.manual_seed(SEED)
    model = spec.make().eval()
    gen = torch.Generator().manual_seed(SEED + 1)
    randomize_norms(model, gen)
    calibrate_batchnorm(model, spec.calibration(model))
    torch.manual_seed(SEED + 2)
    return model, spec.inputs(model)
