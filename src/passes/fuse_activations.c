/*
 * fuse_activations.c - activations written out as elementwise chains become the one ATen op
 * pt2c has a kernel for (and that the runtime can fuse into a convolution's or linear's
 * epilogue). The chains, as torch.export writes them (both dialects unless said):
 *
 *   silu         mul(x, sigmoid(x))                      (either order) -> silu(x)
 *                Core ATen's nn.SiLU; x * torch.sigmoid(x) written by hand
 *   hardswish    div(mul(x, h), 6)                                      -> hardswish(x)
 *   hardsigmoid  div(h, 6)                                              -> hardsigmoid(x)
 *                h = clamp(clamp(add(x, 3), min=0), max=6): Core ATen's nn.Hardswish and
 *                nn.Hardsigmoid
 *   gelu         mul(mul(x, 0.5), add(erf(mul(x, 0.7071067811865476)), 1))  -> gelu(x)
 *                (or div(x, 1.4142135623730951) inside erf: transformers' gelu_python)
 *   gelu tanh    mul(mul(x, 0.5), add(tanh(mul(add(x, mul(pow(x, 3), 0.044715)),
 *                0.7978845608028654)), 1))        -> gelu(x, approximate='tanh')
 *                transformers' NewGELUActivation (GPT-2's gelu_new) and GELUTanh's Python form
 *
 * mul/add/div by a literal may be .Tensor or .Scalar, constants match to 1e-6 relative, the
 * outer products in either operand order. Only float32, and only when nothing else reads an
 * intermediate (pattern.c). The kernels compute the same function in one pass; they round
 * differently from the chain, within the oracle's tolerance.
 */
#include "passes/passes.h"

#include <string.h>

#define SQRT1_2   0.70710678118654752440 /* 1/sqrt(2) */
#define SQRT2     1.41421356237309504880
#define SQRT_2_PI 0.79788456080286535588 /* sqrt(2/pi) */

typedef struct fused {
    const char *target;
    const char *x;
    const char *approximate; /* gelu: "tanh", else NULL */
} fused;

/* mul(x, sigmoid(x)), the root's operands in either order. */
static bool match_silu(pt2c_pattern *p, fused *f) {
    const char *a, *b;
    if (!pt2c_pattern_tensor_op(pt2c_pattern_root(p), "mul", &a, &b))
        return false;
    for (int order = 0; order < 2; order++) {
        const char *x = order ? b : a, *s = order ? a : b;
        pt2c_node *sig = pt2c_pattern_take(p, s, "torch.ops.aten.sigmoid.default");
        if (sig && pt2c_pattern_same(pt2c_node_tensor_arg(sig, "self"), x)) {
            *f = (fused){"torch.ops.aten.silu.default", x, NULL};
            return true;
        }
        p->n_match = 0;
    }
    return false;
}

/* h = clamp(clamp(add(x, 3), min=0), max=6): x, or NULL. */
static const char *hard_gate(pt2c_pattern *p, const char *h) {
    pt2c_node *hi = pt2c_pattern_take(p, h, "torch.ops.aten.clamp.default");
    const char *c = hi ? pt2c_node_tensor_arg(hi, "self") : NULL;
    pt2c_node *lo = pt2c_pattern_take(p, c, "torch.ops.aten.clamp.default");
    const char *a = lo ? pt2c_node_tensor_arg(lo, "self") : NULL;
    const pt2c_arg *lo_max = lo ? pt2c_node_arg(lo, "max") : NULL;
    const pt2c_arg *hi_min = hi ? pt2c_node_arg(hi, "min") : NULL;
    double zero, six, three;
    if (!a || !pt2c_pattern_scalar(lo, "min", &zero) || zero != 0.0 ||
        (lo_max && lo_max->kind != PT2C_ARG_NONE) || !pt2c_pattern_scalar(hi, "max", &six) ||
        !pt2c_pattern_near(six, 6.0) || (hi_min && hi_min->kind != PT2C_ARG_NONE))
        return NULL;
    const char *x = pt2c_pattern_take_scalar_op(p, a, "add", &three);
    return x && pt2c_pattern_near(three, 3.0) ? x : NULL;
}

/* div(mul(x, h), 6) or div(h, 6). */
static bool match_hard(pt2c_pattern *p, fused *f) {
    double six;
    const char *m = pt2c_pattern_scalar_op(pt2c_pattern_root(p), "div", &six);
    if (!m || !pt2c_pattern_near(six, 6.0))
        return false;
    const char *x = hard_gate(p, m);
    if (x) {
        *f = (fused){"torch.ops.aten.hardsigmoid.default", x, NULL};
        return true;
    }
    p->n_match = 0;
    const char *a, *b;
    if (!pt2c_pattern_take_tensor_op(p, m, "mul", &a, &b))
        return false;
    for (int order = 0; order < 2; order++) {
        const char *xs = order ? b : a, *h = order ? a : b;
        p->n_match = 1;
        if (pt2c_pattern_same(hard_gate(p, h), xs)) {
            *f = (fused){"torch.ops.aten.hardswish.default", xs, NULL};
            return true;
        }
    }
    p->n_match = 0;
    return false;
}

/* The erf argument: mul(x, 1/sqrt(2)) or div(x, sqrt(2)). */
static const char *erf_input(pt2c_pattern *p, const char *name) {
    double k;
    int32_t mark = p->n_match;
    const char *x = pt2c_pattern_take_scalar_op(p, name, "mul", &k);
    if (x && pt2c_pattern_near(k, SQRT1_2))
        return x;
    p->n_match = mark;
    x = pt2c_pattern_take_scalar_op(p, name, "div", &k);
    return x && pt2c_pattern_near(k, SQRT2) ? x : NULL;
}

/* The tanh argument: mul(add(x, mul(pow(x, 3), 0.044715)), sqrt(2/pi)), add in either order. */
static const char *tanh_input(pt2c_pattern *p, const char *name) {
    double k;
    const char *s = pt2c_pattern_take_scalar_op(p, name, "mul", &k);
    const char *a, *b;
    if (!s || !pt2c_pattern_near(k, SQRT_2_PI) || !pt2c_pattern_take_tensor_op(p, s, "add", &a, &b))
        return NULL;
    int32_t mark = p->n_match;
    for (int order = 0; order < 2; order++) {
        const char *x = order ? b : a, *cube = order ? a : b;
        double kappa, three;
        p->n_match = mark;
        const char *pw = pt2c_pattern_take_scalar_op(p, cube, "mul", &kappa);
        pt2c_node *pow = pw ? pt2c_pattern_take(p, pw, "torch.ops.aten.pow.Tensor_Scalar") : NULL;
        if (pow && pt2c_pattern_near(kappa, 0.044715) &&
            pt2c_pattern_same(pt2c_node_tensor_arg(pow, "self"), x) &&
            pt2c_pattern_scalar(pow, "exponent", &three) && three == 3.0)
            return x;
    }
    return NULL;
}

/* mul(mul(x, 0.5), add(erf(...) or tanh(...), 1)), the outer operands in either order. */
static bool match_gelu(pt2c_pattern *p, fused *f) {
    const char *a, *b;
    if (!pt2c_pattern_tensor_op(pt2c_pattern_root(p), "mul", &a, &b))
        return false;
    for (int order = 0; order < 2; order++) {
        double half, one;
        p->n_match = 0;
        const char *x = pt2c_pattern_take_scalar_op(p, order ? b : a, "mul", &half);
        const char *t = x ? pt2c_pattern_take_scalar_op(p, order ? a : b, "add", &one) : NULL;
        if (!t || !pt2c_pattern_near(half, 0.5) || !pt2c_pattern_near(one, 1.0))
            continue;
        int32_t mark = p->n_match;
        pt2c_node *e = pt2c_pattern_take(p, t, "torch.ops.aten.erf.default");
        if (e && pt2c_pattern_same(erf_input(p, pt2c_node_tensor_arg(e, "self")), x)) {
            *f = (fused){"torch.ops.aten.gelu.default", x, NULL};
            return true;
        }
        p->n_match = mark;
        pt2c_node *th = pt2c_pattern_take(p, t, "torch.ops.aten.tanh.default");
        if (th && pt2c_pattern_same(tanh_input(p, pt2c_node_tensor_arg(th, "self")), x)) {
            *f = (fused){"torch.ops.aten.gelu.default", x, "tanh"};
            return true;
        }
    }
    p->n_match = 0;
    return false;
}

static pt2c_status replace(pt2c_pattern *p, const fused *f, bool *done) {
    pt2c_named_arg args[2] = {
        {"self", {.kind = PT2C_ARG_TENSOR, .name = f->x}, PT2C_PASS_POSITIONAL},
        {"approximate", {.kind = PT2C_ARG_STRING, .str = f->approximate}, PT2C_PASS_KEYWORD},
    };
    return pt2c_pattern_replace(p, f->target, args, f->approximate ? 2 : 1, done);
}

pt2c_status pt2c_pass_fuse_activations(pt2c_pass_ctx *ctx) {
    pt2c_pattern p;
    PT2C_TRY(pt2c_pattern_init(ctx, &p));
    static bool (*const matchers[])(pt2c_pattern *, fused *) = {match_gelu, match_silu, match_hard};
    for (int64_t i = p.g->n_nodes - 1; i >= 0; i--) {
        bool done = false;
        for (size_t m = 0; m < sizeof matchers / sizeof matchers[0] && !done; m++) {
            fused f;
            if (pt2c_pattern_begin(&p, i) && matchers[m](&p, &f))
                PT2C_TRY(replace(&p, &f, &done));
        }
    }
    return pt2c_pattern_finish(&p);
}
