"""Oracle tests for the math ops (elementwise arithmetic and math, comparisons, logical and
bitwise ops, reductions, softmax, scans, sort/top-k, matrix products): tiny modules exported
by torch in both dialects (as exported, and after run_decompositions()), run by pt2c and
compared with eager PyTorch (float32 rtol 1e-4 atol 1e-5; integers and bools exact; dtype
and shape equal).

Each case bundles many ops into one module so the file stays fast. A core-dialect graph may
contain ops of other families (views, where); when pt2c has no kernel for such an op the
case is skipped, naming the op. Ops of this family must never be missing."""
import re
import warnings

import pytest
import torch
import torch.nn.functional as F

from cases import Fn, check, eager, export, run_saved, skip_other_family

warnings.filterwarnings("ignore")
aten = torch.ops.aten

# Op names this family registers (src/ops/list_math.h, plus add/sub/mul/div, linear, addmm and
# the unary math of list_core.h): a missing kernel for one of these fails, never skips.
MATH_OPS = re.compile(
    r"aten\.(_?_?(add|sub|rsub|mul|div|floor_divide|remainder|fmod|pow|minimum|maximum|"
    r"atan2|clamp|clamp_min|clamp_max|eq|ne|lt|le|gt|ge|logical_\w+|bitwise_\w+|and|or|xor|"
    r"sum|mean|prod|amax|amin|max|min|argmax|argmin|var|std|var_mean|std_mean|any|all|"
    r"logsumexp|linalg_vector_norm|_?softmax|_?log_softmax|_safe_softmax|cumsum|cumprod|cummax|cummin|diff|searchsorted|bucketize|median|nanmedian|"
    r"sort|argsort|topk|mm|bmm|matmul|baddbmm|addmm|dot|mv|linear|exp\w*|log\w*|sqrt|rsqrt|"
    r"reciprocal|sin|cos|tan|asin|acos|atan|sinh|cosh|asinh|acosh|atanh|erf|erfc|floor|ceil|"
    r"round|trunc|sign|square|isnan|isinf|isfinite|abs|neg|sigmoid|tanh)_?\.)")


def _owns(target):
    return MATH_OPS.search(target) is not None


def run_case(tmp_path, fn, inputs, dialect, threads=1):
    module = Fn(lambda m, *xs: fn(*xs)).eval()
    inputs = tuple(inputs)
    with torch.no_grad():
        ep = export(module, inputs, dialect)
    r, outs = run_saved(tmp_path, ep, inputs, dialect, threads)
    if r.returncode != 0:
        skip_other_family(r.stderr, _owns)
    assert r.returncode == 0, r.stderr
    check(eager(module, inputs), outs)


def g(seed):
    return torch.Generator().manual_seed(seed)


def randn(*shape, seed=0):
    return torch.randn(*shape, generator=g(seed))


def randint(lo, hi, *shape, seed=0, dtype=torch.int64):
    return torch.randint(lo, hi, shape, generator=g(seed), dtype=dtype)


# ---------------------------------------------------------------------------------------- #
# Cases: name -> (fn, inputs)

def arith_float(x, y):
    yp = y.abs() + 0.5
    return (x + y, x - y, x * y, x / yp, torch.add(x, y, alpha=2), torch.sub(x, y, alpha=0.5),
            aten.add.Scalar(x, 2), aten.sub.Scalar(x, 1.5, 2), aten.mul.Scalar(x, 0.1),
            aten.div.Scalar(x, 3), aten.rsub.Scalar(x, 2), aten.rsub.Tensor(x, y, alpha=3),
            2 - x, x * 0.1, x / 7, x + True,
            x ** 2, x ** 3, x.t() ** 3, yp ** 0.5, yp ** -1, yp ** -0.5, yp ** -2, yp ** 1.7, 2 ** x,
            2.5 ** x, yp.pow(x), torch.div(x, yp, rounding_mode="floor"),
            torch.div(x, -yp, rounding_mode="trunc"), x // yp, x // -0.3, x % yp, x % -0.7,
            torch.remainder(x, -yp), torch.fmod(x, yp), torch.fmod(x, -0.7),
            aten.div.Scalar_mode(x, 0.3, rounding_mode="floor"),
            torch.minimum(x, y), torch.maximum(x, y), torch.max(x, y), torch.min(x, y[:1]),
            torch.atan2(x, y),
            x.clamp(-0.5, 0.5), x.clamp(min=0.1), x.clamp(max=-0.2), x.clamp_min(0.3),
            x.clamp_max(0.4), torch.clamp(x, y, y + 1), torch.clamp(x, min=y),
            torch.clamp(x, max=y), x.clamp(0.5, -0.5))


def arith_nan(x):
    y = torch.flip(x, [1])
    return (torch.minimum(x, y), torch.maximum(x, y), x.clamp(-1, 1), x.clamp(min=0),
            torch.div(x, 0.0, rounding_mode="floor"), x % 0.0)


def arith_int(a, b, c):
    bnz = torch.where(b == 0, torch.ones_like(b), b)
    return (a + b, a - b, a * b, a // bnz, a % bnz, torch.fmod(a, bnz),
            torch.div(a, bnz, rounding_mode="trunc"), torch.div(a, bnz, rounding_mode="floor"),
            a // 3, a // -3, a % 4, a % -4, torch.fmod(a, -3), torch.remainder(a, 5),
            a / bnz, a / 2, a * 0.5, a + 1.5, torch.add(a, b, alpha=3), torch.sub(a, 2, alpha=2),
            a ** 2, a.abs() ** 3, torch.pow(a, bnz.abs() % 4), torch.pow(2, bnz.abs() % 5),
            torch.minimum(a, b), torch.maximum(a, b), a.clamp(-3, 4), a.clamp(min=0),
            a.clamp(max=2.5), torch.clamp(a, b), -a, a.abs(),
            c + c, c * 3, c + 200, c // 7, c - b.to(torch.uint8),
            a.to(torch.int32) + 2 ** 20, a.to(torch.int32) * b, a.to(torch.int16) % 7)


def arith_bool(p, q):
    return p + q, p * q, p + 1, p * 2.5, torch.minimum(p, q), torch.maximum(p, q), p.square()


def compare(x, y, i):
    return (x == y, x != y, x < y, x <= y, x > y, x >= y, x == 0.5, x != 0, x < 0.25,
            x <= -0.5, x > 1.5, x >= 1, i == 2, i > 1.5, i < y, i >= i.flip(0),
            torch.logical_and(x, y), torch.logical_or(x > 0, i), torch.logical_xor(x, i),
            torch.logical_not(x), torch.logical_not(i), x.isnan(), x.isinf(), x.isfinite(),
            i.isnan())


def bitwise(a, b, p, q):
    return (a & b, a | b, a ^ b, ~a, a & 6, a | 3, a ^ -2, p & q, p | q, p ^ q, ~p,
            torch.bitwise_and(a, 12), aten.bitwise_or.Scalar(a, 5), aten.bitwise_xor.Tensor(a, b))


def unary_float(x, pos, unit):
    return (x.reciprocal(), x.sin(), x.cos(), x.tan(), unit.asin(), unit.acos(), x.atan(),
            x.sinh(), x.cosh(), x.asinh(), (pos + 1).acosh(), unit.atanh(), x.erf(), x.erfc(),
            x.exp2(), x.expm1(), pos.log2(), pos.log10(), pos.log1p(), x.exp(), pos.log(),
            pos.sqrt(), pos.rsqrt(), x.sigmoid(), x.tanh(), (x * 3).floor(), (x * 3).ceil(),
            (x * 3).round(), (x * 3).trunc(), x.sign(), x.square(), x.abs(), -x,
            torch.round(x * 100, decimals=1), torch.round(x * 1000, decimals=-2),
            torch.tensor([0.5, 1.5, 2.5, -0.5, -2.5]).round() + x[0, 0] * 0)


def unary_int(i, p):
    return (i.sin(), i.exp(), i.sqrt(), i.reciprocal(), i.floor(), i.ceil(), i.round(),
            i.trunc(), i.sign(), i.square(), i.abs(), -i, ~i, p.sign(), p.sigmoid(),
            p.logical_not(), i.to(torch.int32).sign())


def reduce_float(x, t):
    return (x.sum(), x.sum(1), x.sum((0, 2), keepdim=True), x.sum(-1, dtype=torch.float64),
            x.mean(), x.mean(1), x.mean((-1, -2), keepdim=True), x.amax(1), x.amin((0, 2)),
            x.amax(), x.max(1), x.min(-1, keepdim=True), x.max(), x.min(), x.argmax(),
            x.argmin(1), x.argmax(2, keepdim=True), x.prod(1), x.prod(), x.var(1),
            x.var((0, 1), correction=0), torch.var(x, 2, correction=2, keepdim=True), x.var(),
            x.std(1), torch.var_mean(x, 1), torch.std_mean(x, (0, 2), correction=0),
            x.logsumexp(1), torch.linalg.vector_norm(x, dim=1),
            torch.linalg.vector_norm(x, 1, dim=(0, 1)), torch.linalg.vector_norm(x, float("inf")),
            torch.linalg.vector_norm(x, 3.0, dim=-1), (x > 0.5).any(), (x > 0.5).any(1),
            (x > -2).all(2), (x > -2).all(), torch.any(x, dim=0), t.max(1), t.min(0), t.argmax(1),
            t.argmin(), t.amax(0))


def reduce_nan(x):
    return x.max(1), x.min(1), x.argmax(1), x.argmin(1), x.amax(1), x.amin(1), x.sum(1)


def reduce_int(i, p, j):
    return (i.sum(), i.sum(1), j.sum(0), p.sum(1), p.sum(), i.prod(1), i.amax(1), i.amin(),
            i.max(1), i.min(0), i.argmax(1), i.argmin(), i.argmax(),
            i.mean(1, dtype=torch.float32), i.sum(1, dtype=torch.float64), i.any(1), p.all(1),
            p.amax(1), j.to(torch.uint8).any(1), j.cumsum(1), p.cumsum(0), i.cumprod(1),
            i.cumsum(1, dtype=torch.float32))


def softmax(x, m):
    return (x.softmax(-1), F.softmax(x, 1), x.softmax(0), F.log_softmax(x, -1),
            F.log_softmax(x, 1), x.softmax(-1, dtype=torch.float64), m.softmax(-1),
            F.log_softmax(m, -1))


def safe_softmax(m):
    return aten._safe_softmax(m, -1), aten._safe_softmax(m, 0)


def scans(x):
    return (x.cumsum(0), x.cumsum(1), x.cumsum(-1), x.cumsum(1, dtype=torch.float64),
            x.cumprod(1), x.cumprod(-1))


def cum_extremes(x, i, b):
    """cummax / cummin (ties take the later index; NaN wins and stays) and logcumsumexp
    (-inf and +inf runs included)."""
    return (torch.cummax(x, 1), torch.cummin(x, 0), torch.cummax(i, 1), torch.cummin(i, -1),
            torch.cummax(b, 1), torch.cummin(i.int(), 0), torch.logcumsumexp(x, 1),
            torch.logcumsumexp(x.double(), 0))


def searches(seq, v, rows, rv, iseq, iv):
    """searchsorted / bucketize: left and right on ties, NaN values, a sorter, batched rows,
    integers, out_int32, side=, the Scalar form."""
    order = torch.argsort(-seq)
    return (torch.searchsorted(seq, v), torch.searchsorted(seq, v, right=True),
            torch.searchsorted(seq, v, side="right", out_int32=True),
            torch.searchsorted(-seq, v, sorter=order), torch.searchsorted(rows, rv),
            torch.searchsorted(iseq, iv, right=True), torch.searchsorted(seq, 0.5),
            torch.bucketize(v, seq), torch.bucketize(iv, iseq, right=True, out_int32=True))


def medians(x, nan_rows, i):
    """median / nanmedian of the whole tensor: even and odd counts (the lower median), NaN,
    integers."""
    return (torch.median(x), torch.nanmedian(x), torch.median(x[:, :5]), torch.median(nan_rows),
            torch.nanmedian(nan_rows), torch.median(i), torch.nanmedian(i.double()),
            torch.nanmedian(torch.full((3,), float("nan"))))


def diffs(x, i, b):
    """torch.diff: along either dim, n > 1, prepend/append, integers (wrapping) and bools;
    GPT-2's attention-mask setup in transformers 5 uses it."""
    return (torch.diff(x), torch.diff(x, dim=0), torch.diff(x, n=2), torch.diff(x, n=9),
            torch.diff(x, prepend=x[:, :1], append=x[:, -2:]), torch.diff(i, dim=1),
            torch.diff(i.to(torch.uint8), n=2), torch.diff(b), torch.diff(x.double(), n=3))


def topk_sort(x, t, big, long1d):
    return (torch.topk(x, 3), torch.topk(x, 2, dim=0), torch.topk(x, 4, largest=False),
            torch.topk(x, 5, sorted=False), torch.topk(t, 5), torch.topk(t, 7, largest=False),
            torch.topk(t, 6, sorted=False), torch.topk(big, 3), torch.topk(big, 2, largest=False),
            torch.topk(big.float(), 4), x.sort(), x.sort(0, descending=True), t.sort(),
            t.sort(descending=True), torch.sort(t, dim=0, stable=True), t.argsort(),
            torch.argsort(t, descending=True, stable=True), big.sort(descending=True), t.float().sort(),
            t.float().sort(descending=True), t.to(torch.int16).sort(), long1d.sort(),
            long1d.sort(descending=True), long1d[:1000].sort())


def topk_nan(x):
    return torch.topk(x, 3), torch.topk(x, 3, largest=False), x.sort(), x.sort(descending=True)


def matmuls(a, b, c, d, v, w, bias, lb):
    return (a @ b, torch.mm(a, b), torch.bmm(c, d), c @ d, c @ b, v @ v, v @ b, a @ v,
            torch.matmul(c.unsqueeze(0), d), torch.matmul(v, d), torch.matmul(c, b[:, 0]),
            torch.baddbmm(bias, c, d), torch.baddbmm(bias[0], c, d, beta=0.5, alpha=2),
            torch.addmm(bias[0, 0], a, b), torch.addmm(bias[0], a, b, beta=2, alpha=0.5),
            torch.addmm(bias[0], a, b, beta=0), F.linear(c, w), F.linear(c, w, lb),
            F.linear(v, w, lb), F.linear(a, w, lb[:1]), torch.dot(v, v), torch.mv(a, v))


def matmul_big(a, b, w, bias):
    # Sizes crossing every block boundary of gemm.c (4-row, 8-column tiles, 32x64 units,
    # k blocks of 256).
    return a @ b, F.linear(a, w, bias), torch.addmm(bias, a, w.t())


def matmul_other_dtypes(a, b, i, j):
    return a @ b, torch.bmm(a.unsqueeze(0), b.unsqueeze(0)), i @ j, torch.mv(i, j[:, 0])


def inplace(x, y, i):
    # The training IR keeps these in-place ops (mul_, clamp_, ...); pt2c writes the clone.
    z = x.clone()
    z.mul_(2)
    z.sub_(y)
    z.div_(3)
    z.clamp_(-0.5, 0.5)
    z.mul_(1.5)
    w = x.clone()
    w.pow_(2)
    w.sqrt_()
    w.exp_()
    w.neg_()
    w.abs_()
    w.clamp_min_(1.5)
    j = i.clone()
    j.floor_divide_(3)
    j.remainder_(5)
    j.cumsum_(0)
    j.sub_(1)
    return z, w, j


def inputs_arith():
    x = randn(3, 4, seed=1)
    return x, randn(4, seed=2)


def inputs_int():
    return (randint(-50, 50, 3, 8, seed=3), randint(-6, 7, 8, seed=4),
            randint(0, 256, 3, 8, seed=5, dtype=torch.uint8))


NAN_ROWS = torch.tensor([[1.0, float("nan"), 3.0, -1.0], [2.0, 5.0, 5.0, float("nan")],
                         [float("nan"), float("nan"), 0.0, 1.0], [-float("inf"), 2.0, 2.0, 1.0]])

MASKED = torch.tensor([[0.5, -float("inf"), 1.0], [-float("inf")] * 3, [3.0, 2.0, -1.0]])

CASES = {
    "arith_float": (arith_float, inputs_arith()),
    "arith_nan": (arith_nan, (NAN_ROWS,)),
    "arith_int": (arith_int, inputs_int()),
    "inplace": (inplace, (randn(3, 4, seed=44), randn(4, seed=45),
                          randint(-20, 20, 3, 4, seed=46))),
    "arith_bool": (arith_bool, (randn(6, seed=6) > 0, randn(6, seed=7) > 0)),
    "compare": (compare, (torch.tensor([0.5, 1.0, float("nan"), -0.5, 2.0, 0.0, float("inf")]),
                          torch.tensor([0.5, 2.0, 1.0, float("nan"), -1.0, 0.0, 1.0]),
                          torch.tensor([2, 0, 1, 3, 2, -1, 5]))),
    "bitwise": (bitwise, (randint(-20, 20, 10, seed=8), randint(-20, 20, 10, seed=9),
                          randn(10, seed=10) > 0, randn(10, seed=11) > 0)),
    "unary_float": (unary_float, (randn(3, 5, seed=12), randn(3, 5, seed=13).abs() + 0.1,
                                  torch.rand(3, 5, generator=g(14)) * 1.8 - 0.9)),
    "unary_int": (unary_int, (randint(-9, 10, 12, seed=15), randn(12, seed=16) > 0)),
    "reduce_float": (reduce_float, (randn(4, 5, 6, seed=17),
                                    randint(0, 3, 5, 9, seed=18).to(torch.float32))),
    "reduce_nan": (reduce_nan, (NAN_ROWS,)),
    "reduce_int": (reduce_int, (randint(-9, 10, 4, 7, seed=19), randn(4, 7, seed=20) > 0,
                                randint(-5, 5, 4, 7, seed=21, dtype=torch.int32))),
    "softmax": (softmax, (randn(2, 3, 5, seed=22) * 3, MASKED)),
    "safe_softmax": (safe_softmax, (MASKED,)),
    "scans": (scans, (randn(4, 6, seed=23),)),
    "cum_extremes": (cum_extremes, (torch.tensor([[1.0, 3.0, 3.0, float("nan"), 5.0, float("nan"), 0.0],
                                                  [-float("inf"), -float("inf"), 2.0, 2.0, float("inf"), 1.0, -1.0],
                                                  [0.5, -0.5, 0.25, 7.0, 7.0, -3.0, 4.0]]),
                                    randint(0, 3, 3, 7, seed=47), randn(3, 7, seed=48) > 0)),
    "searches": (searches, (torch.tensor([-1.0, 0.0, 0.5, 0.5, 2.0, 3.0]),
                            torch.tensor([[0.5, -2.0, 9.0], [float("nan"), 2.0, 0.25]]),
                            torch.sort(randn(2, 3, 5, seed=49), -1).values, randn(2, 3, 4, seed=50),
                            torch.tensor([1, 3, 3, 7, 9]), randint(0, 11, 4, 5, seed=51))),
    "medians": (medians, (randn(4, 6, seed=52), NAN_ROWS, randint(-9, 9, 5, 4, seed=53))),
    "diffs": (diffs, (randn(4, 6, seed=29), torch.randint(-100, 100, (3, 7)),
                      torch.rand(2, 5) > 0.5)),
    "topk_sort": (topk_sort, (randn(5, 8, seed=24), randint(0, 4, 3, 20, seed=25),
                              randint(0, 5, 2, 300, seed=26),
                              randint(0, 50, 40000, seed=43))),
    "topk_nan": (topk_nan, (NAN_ROWS,)),
    "matmuls": (matmuls, (randn(3, 4, seed=27), randn(4, 5, seed=28), randn(2, 3, 4, seed=29),
                          randn(2, 4, 5, seed=30), randn(4, seed=31), randn(6, 4, seed=32),
                          randn(2, 3, 5, seed=33), randn(6, seed=42))),
    "matmul_big": (matmul_big, (randn(37, 300, seed=34) * 0.1, randn(300, 70, seed=35) * 0.1,
                                randn(70, 300, seed=36) * 0.1, randn(70, seed=37))),
    "matmul_other_dtypes": (matmul_other_dtypes, (randn(5, 6, seed=38).double(),
                                                  randn(6, 3, seed=39).double(),
                                                  randint(-9, 9, 5, 6, seed=40),
                                                  randint(-9, 9, 6, 3, seed=41))),
}

THREADED = {"cum_extremes", "searches", "arith_float", "reduce_float", "topk_sort", "matmul_big", "softmax"}


@pytest.mark.parametrize("dialect", ["export", "core"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_math_op(tmp_path, name, dialect):
    fn, inputs = CASES[name]
    run_case(tmp_path, fn, inputs, dialect)
    if name in THREADED:
        run_case(tmp_path, fn, inputs, dialect, threads=2)
