"""Oracle tests for the neural-network layer ops (norms, pools, convolutions, attention,
recurrent layers, upsampling, dropout): tiny modules exported by torch in both dialects (as
exported, and after run_decompositions()), run by pt2c, compared with eager PyTorch.

A core-dialect graph may contain ops of other families (SDPA decomposes into where/any/bmm);
when pt2c has no kernel for such an op the case is skipped, naming the op, rather than
failing here. Ops of this family must never be missing."""
import re
import warnings

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from cases import Fn, assert_same_bits, check, flatten, run_saved, skip_other_family

warnings.filterwarnings("ignore")

# Targets this family registers (src/ops/list_nn.h and the nn rows of list_core.h): a missing
# kernel for one of these is a failure, never a skip.
NN_OPS = re.compile(
    r"(conv|pool|norm|dropout|upsample|lstm|gru|rnn_|scaled_dot_product|layer_norm)")


_EXPORTED = {}


def _export(name):
    """(inputs, training-IR program, eager outputs) of a case, exported once per session:
    the core dialect is derived from the same program (run_decompositions copies)."""
    if name not in _EXPORTED:
        torch.manual_seed(0)
        module, inputs = CASES[name]()
        module = module.eval()
        inputs = tuple(inputs)
        with torch.no_grad():
            ep = torch.export.export(module, inputs)
            expected = flatten(module(*inputs))
        _EXPORTED[name] = (inputs, ep, expected)
    return _EXPORTED[name]


def _owns(target):
    return NN_OPS.search(target) is not None


def run_case(tmp_path, name, dialect):
    inputs, ep, expected = _export(name)
    if dialect == "core":
        with torch.no_grad():
            ep = ep.run_decompositions()
    outs = {}
    for threads in (1, 3):
        r, outs[threads] = run_saved(tmp_path, ep, inputs, dialect, threads)
        if r.returncode != 0:
            skip_other_family(r.stderr, _owns)
        assert r.returncode == 0, r.stderr
    # Kernels split work by output, never inside a reduction: bit-identical results.
    assert_same_bits(outs[1], outs[3], "1 vs 3 threads")
    check(expected, outs[1])


def r(*shape):
    return torch.randn(*shape)


def _layer_norm_case():
    ln = nn.LayerNorm([4, 6], eps=1e-6)
    with torch.no_grad():
        ln.weight.normal_()
        ln.bias.normal_()
    return ln, (r(2, 3, 4, 6) * 3 + 1,)


def _group_norm_case():
    gn = nn.GroupNorm(3, 6)
    with torch.no_grad():
        gn.weight.normal_()
        gn.bias.normal_()
    return gn, (r(2, 6, 3, 5),)


def _batch_norm_case():
    bn = nn.BatchNorm2d(4)
    with torch.no_grad():
        bn.running_mean.normal_()
        bn.running_var.uniform_(0.5, 2.0)
        bn.weight.normal_()
    return nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), bn, nn.ReLU(inplace=True)), (r(2, 3, 7, 7),)


def _instance_norm_running_case():
    m = nn.InstanceNorm1d(3, track_running_stats=True)
    with torch.no_grad():
        m.running_mean.normal_()
        m.running_var.uniform_(0.5, 2.0)
    return m, (r(2, 3, 6),)


CASES = {
    # normalization
    "layer_norm": _layer_norm_case,
    "layer_norm_noaffine": lambda: (nn.LayerNorm(8, elementwise_affine=False), (r(3, 5, 8),)),
    "group_norm": _group_norm_case,
    "rms_norm": lambda: (nn.RMSNorm([5]), (r(2, 3, 5),)),
    "batch_norm": _batch_norm_case,
    "instance_norm": lambda: (nn.InstanceNorm2d(3, affine=True), (r(2, 3, 4, 5),)),
    "instance_norm_running": _instance_norm_running_case,
    # pooling
    "max_pool2d_ceil_dil": lambda: (Fn(lambda m, x: F.max_pool2d(x, 3, 2, 1, dilation=2, ceil_mode=True)),
                                    (r(2, 3, 11, 10),)),
    "max_pool2d_indices": lambda: (Fn(lambda m, x: F.max_pool2d(x, (2, 3), (2, 1), (1, 1), return_indices=True)),
                                   (r(1, 2, 7, 8),)),
    "max_pool1d": lambda: (nn.MaxPool1d(3, 2, 1), (r(2, 3, 11),)),
    "avg_pool2d": lambda: (Fn(lambda m, x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
                           (r(2, 3, 10, 9),)),
    "avg_pool2d_incl": lambda: (Fn(lambda m, x: F.avg_pool2d(x, (3, 2), (2, 2), (1, 1), ceil_mode=True)),
                                (r(1, 2, 10, 9),)),
    "avg_pool2d_divisor": lambda: (Fn(lambda m, x: F.avg_pool2d(x, 2, divisor_override=3)), (r(1, 2, 6, 6),)),
    "avg_pool1d": lambda: (nn.AvgPool1d(3, 2, 1, count_include_pad=False), (r(2, 3, 10),)),
    "adaptive_avg_pool2d": lambda: (nn.AdaptiveAvgPool2d((3, 4)), (r(2, 3, 10, 7),)),
    "adaptive_avg_pool2d_global": lambda: (nn.AdaptiveAvgPool2d(1), (r(2, 3, 5, 7),)),
    "adaptive_avg_pool1d": lambda: (nn.AdaptiveAvgPool1d(4), (r(2, 3, 7),)),
    "adaptive_max_pool2d": lambda: (nn.AdaptiveMaxPool2d((2, 3), return_indices=True), (r(2, 3, 7, 8),)),
    # convolution
    "conv2d_basic": lambda: (nn.Conv2d(5, 7, 3, padding=1), (r(2, 5, 9, 10),)),
    "conv2d_stride_dil": lambda: (nn.Conv2d(6, 8, (3, 2), stride=(2, 3), padding=(2, 1), dilation=(2, 1),
                                            groups=2, bias=False), (r(1, 6, 13, 17),)),
    "conv2d_depthwise": lambda: (nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8), (r(2, 8, 11, 21),)),
    "conv2d_depthwise_mult": lambda: (nn.Conv2d(4, 12, 5, padding=2, groups=4), (r(1, 4, 9, 9),)),
    "conv2d_pointwise": lambda: (nn.Conv2d(16, 10, 1), (r(2, 16, 7, 5),)),
    "conv2d_pointwise_segments": lambda: (nn.Conv2d(16, 6, 1), (r(1, 16, 33, 35),)),
    "conv2d_same": lambda: (nn.Conv2d(3, 5, (4, 3), padding="same", dilation=(1, 2)), (r(1, 3, 8, 9),)),
    "conv2d_unbatched": lambda: (nn.Conv2d(3, 4, 3), (r(3, 6, 6),)),
    "conv2d_chunked": lambda: (nn.Conv2d(300, 6, 3, padding=1), (r(1, 300, 5, 9),)),
    "conv2d_wide_segments": lambda: (nn.Conv2d(2, 5, 3, padding=1), (r(1, 2, 3, 6000),)),
    "conv2d_pointwise_stride2": lambda: (nn.Conv2d(8, 12, 1, stride=2, bias=False), (r(2, 8, 9, 9),)),
    "conv1d_long_kernel": lambda: (nn.Conv1d(2, 3, 40, padding=3), (r(2, 2, 100),)),
    "conv1d": lambda: (nn.Conv1d(4, 6, 3, stride=2, padding=1), (r(2, 4, 15),)),
    # weight norm (wav2vec2's positional convolution: dim 2), on a linear (dim 0), whole (None)
    "weight_norm_conv1d": lambda: (nn.utils.parametrizations.weight_norm(
        nn.Conv1d(4, 6, 3, padding=1), dim=2), (r(2, 4, 9),)),
    "weight_norm_linear": lambda: (nn.utils.parametrizations.weight_norm(nn.Linear(5, 3)),
                                   (r(2, 5),)),
    "weight_norm_whole": lambda: (nn.utils.parametrizations.weight_norm(nn.Linear(5, 3),
                                                                        dim=None), (r(2, 5),)),
    "conv1d_same": lambda: (nn.Conv1d(4, 6, 4, padding="same"), (r(2, 4, 15),)),
    "conv_transpose2d": lambda: (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                                 (r(2, 4, 5, 6),)),
    "conv_transpose2d_dil": lambda: (nn.ConvTranspose2d(3, 2, (2, 3), stride=(1, 2), dilation=(2, 1), bias=False),
                                     (r(1, 3, 4, 5),)),
    "conv_transpose1d": lambda: (nn.ConvTranspose1d(3, 4, 4, stride=3, padding=2), (r(2, 3, 7),)),
    # attention
    "sdpa_causal": lambda: (Fn(lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)),
                            (r(2, 3, 6, 8), r(2, 3, 6, 8), r(2, 3, 6, 8))),
    "sdpa_causal_rect": lambda: (Fn(lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)),
                                 (r(1, 2, 4, 8), r(1, 2, 7, 8), r(1, 2, 7, 5))),
    "sdpa_bool_mask": lambda: (Fn(lambda m, q, k, v, a: F.scaled_dot_product_attention(q, k, v, attn_mask=a)),
                               (r(2, 2, 5, 4), r(2, 2, 7, 4), r(2, 2, 7, 3), torch.rand(5, 7) > 0.3)),
    "sdpa_float_mask_scale": lambda: (Fn(lambda m, q, k, v, a: F.scaled_dot_product_attention(q, k, v, attn_mask=a,
                                                                                             scale=0.7)),
                                      (r(2, 3, 5, 4), r(2, 3, 6, 4), r(2, 3, 6, 4), r(2, 1, 5, 6))),
    "sdpa_gqa": lambda: (Fn(lambda m, q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True)),
                         (r(1, 4, 3, 8), r(1, 2, 5, 8), r(1, 2, 5, 8))),
    "mha": lambda: (Fn(lambda m, x: m.mods[0](x, x, x, need_weights=False)[0], nn.MultiheadAttention(16, 4, batch_first=True)),
                    (r(2, 5, 16),)),
    "transformer_encoder": lambda: (nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32, batch_first=True), 2,
                                                          enable_nested_tensor=False), (r(2, 5, 16),)),
    # recurrent
    "lstm": lambda: (nn.LSTM(5, 7, num_layers=2, batch_first=True), (r(3, 3, 5),)),
    "lstm_bidir": lambda: (nn.LSTM(5, 6, bidirectional=True), (r(3, 2, 5),)),
    "lstm_h0": lambda: (Fn(lambda m, x, h, c: m.mods[0](x, (h, c)), nn.LSTM(3, 4, num_layers=2, bias=False)),
                        (r(3, 2, 3), r(2, 2, 4), r(2, 2, 4))),
    "gru": lambda: (nn.GRU(5, 7, num_layers=2, batch_first=True, bidirectional=True), (r(2, 3, 5),)),
    "rnn_tanh": lambda: (nn.RNN(4, 5, batch_first=True), (r(2, 3, 4),)),
    "rnn_relu": lambda: (nn.RNN(4, 5, nonlinearity="relu", num_layers=2), (r(3, 2, 4),)),
    # upsampling
    "upsample_bilinear_scale": lambda: (nn.Upsample(scale_factor=2, mode="bilinear"), (r(1, 2, 5, 6),)),
    "upsample_bilinear_size_ac": lambda: (nn.Upsample(size=(7, 13), mode="bilinear", align_corners=True),
                                          (r(2, 2, 5, 6),)),
    "upsample_bilinear_frac": lambda: (nn.Upsample(scale_factor=(1.7, 0.6), mode="bilinear"), (r(1, 2, 5, 9),)),
    "upsample_nearest_scale": lambda: (nn.Upsample(scale_factor=2, mode="nearest"), (r(1, 3, 4, 5),)),
    "upsample_nearest_size": lambda: (nn.Upsample(size=(7, 3), mode="nearest"), (r(1, 3, 4, 5),)),
    "upsample_nearest_frac": lambda: (nn.Upsample(scale_factor=1.3, mode="nearest"), (r(1, 3, 7, 9),)),
    "upsample_nearest_exact": lambda: (nn.Upsample(scale_factor=1.5, mode="nearest-exact"), (r(1, 2, 5, 7),)),
    "upsample_nearest1d": lambda: (nn.Upsample(scale_factor=3, mode="nearest"), (r(2, 3, 5),)),
    "upsample_linear1d": lambda: (nn.Upsample(size=11, mode="linear"), (r(2, 3, 5),)),
    # dropout (eval)
    "dropout": lambda: (nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.3), nn.Dropout(0.2, inplace=True),
                                      nn.AlphaDropout(0.1)), (r(2, 4),)),
    "dropout2d": lambda: (nn.Sequential(nn.Conv2d(2, 3, 1), nn.Dropout2d(0.5)), (r(1, 2, 3, 3),)),
}


@pytest.mark.parametrize("dialect", ["train", "core"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_nn_op(tmp_path, name, dialect):
    run_case(tmp_path, name, dialect)
