/*
 * random.c - random tensors drawn from the runner's generator (ops/generator.h), with the
 * transforms of PyTorch's CPU kernels (ATen native/cpu/DistributionTemplates.h), so that
 * torch.manual_seed(s); eager(x) and pt2c run --seed s give the same bits where noted.
 *
 *   rand(size, *, dtype=None) / rand_like(self, *, dtype=None)     uniform [0, 1)
 *   uniform(self, from=0, to=1)            out = u * (to - from) + from, u uniform [0, 1)
 *                                          in the output dtype; a value that rounds to
 *                                          `to` becomes `from`                 bit-exact
 *       float32: u = (u32 & (2^24 - 1)) * 2^-24; float64: u = (u64 & (2^53 - 1)) * 2^-53
 *   randn(size) / randn_like(self), normal.float_float(mean, std, size),
 *   normal_functional(self, mean=0, std=1)       N(mean, std^2):
 *       numel < 16: Box-Muller in double, a pair per two elements, the spare kept in the
 *                   generator for the next element or op; out = n * std + mean  bit-exact
 *       numel >= 16: all numel uniforms first, then Box-Muller on blocks of 16 (u1 = 1 -
 *                   x[j], u2 = x[j + 8]: x[j] = r cos, x[j + 8] = r sin), the last
 *                   numel % 16 redone on 16 fresh uniforms over the last 16 elements.
 *                   float64 bit-exact. float32 in float arithmetic: bit-exact with ATen's
 *                   scalar path (ATEN_CPU_CAPABILITY=default); on an AVX2 CPU ATen uses
 *                   avx_mathfun's log/sincos instead, which round differently: same
 *                   distribution, tested by its statistics.
 *   randint.low(low, high, size, *, dtype=int64) / randint(high, size),
 *   randint_like(self, high) / randint_like.low_dtype(self, low, high)   (self's dtype)
 *                                          out = low + r % (high - low), r a 32-bit draw
 *                                          (a 64-bit one when high - low >= 2^32) bit-exact
 *   randperm(n, *, dtype=int64)            Fisher-Yates as ATen's randperm_cpu: out = 0..n-1,
 *                                          then for i < n - 1 swap out[i] and out[i + z],
 *                                          z = u32 % (n - i)                    bit-exact
 *   bernoulli.p(self, p=0.5)               out = (u < p), u uniform float64 [0, 1), in
 *                                          self's dtype. ATen draws these with MKL's
 *                                          generator (seeded from one mt19937 draw) where
 *                                          built with MKL: statistics only.
 *   multinomial(self, num_samples, replacement=False)    self [n] or [rows, n] weights;
 *                                          out int64 [num_samples] or [rows, num_samples]:
 *                                          inverse CDF on a float64 uniform per sample,
 *                                          without replacement a chosen category leaves
 *                                          the pool. ATen draws with another scheme
 *                                          (exponential keys, MKL): statistics only.
 *   native_dropout(input, p, train) training (train True or None, 0 < p):
 *       mask = bernoulli(1 - p) as above; out = input * mask * (1 / (1 - p)); p = 1 gives
 *       zeros. Statistics only, as bernoulli. Evaluation mode is dropout.c's identity.
 *
 * Every kernel draws on thread 0 only, in element order: the bits do not depend on the
 * thread count. Sizes are the shapes of the outputs; dtypes float32 and float64 (randint,
 * randperm, bernoulli: also int64, int32 and bool where PyTorch allows them).
 */
#include "ops/generator.h"
#include "ops/op_decls.h"

#include <math.h>
#include <string.h>

#define PI_D 3.14159265358979323846

typedef enum rand_kind {
    RK_UNIFORM,
    RK_NORMAL,
    RK_RANDINT,
    RK_RANDPERM,
    RK_BERNOULLI,
    RK_DROPOUT,
    RK_MULTINOMIAL
} rand_kind;

typedef struct rand_params {
    rand_kind kind;
    bool has_size;       /* sizes from 'size' (else from input 0, self) */
    pt2c_iarg_list size; /* has_size */
    pt2c_iarg n;         /* randperm */
    pt2c_iarg low, high; /* randint */
    int64_t lo, hi;      /* randint: low and high, resolved by the shape function */
    pt2c_dtype dtype;    /* dtype=, or UNKNOWN: float32 / int64 / self's */
    double a, b;         /* uniform: from, to; normal: mean, std; bernoulli/dropout: p */
    bool train;          /* native_dropout: training mode */
    pt2c_iarg n_samples; /* multinomial: num_samples */
    bool replacement;    /* multinomial */
} rand_params;

static pt2c_status new_params(pt2c_op_ctx *ctx, void **params, rand_kind kind, bool self, bool size,
                              rand_params **out) {
    rand_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = kind;
    p->has_size = size;
    if (self)
        PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (size) {
        PT2C_TRY(pt2c_op_ints(ctx, "size", NULL, 0, 0, &p->size));
        if (!p->size.present)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'size': missing");
    }
    PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    *params = p;
    *out = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_rand(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_UNIFORM, false, true, &p));
    p->a = 0.0, p->b = 1.0;
    return PT2C_OK;
}

pt2c_status pt2c_parse_rand_like(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_UNIFORM, true, false, &p));
    p->a = 0.0, p->b = 1.0;
    return PT2C_OK;
}

pt2c_status pt2c_parse_uniform(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_UNIFORM, true, false, &p));
    PT2C_TRY(pt2c_op_float(ctx, "from", 0.0, &p->a));
    PT2C_TRY(pt2c_op_float(ctx, "to", 1.0, &p->b));
    if (!(p->a <= p->b))
        return pt2c_op_fail(ctx, PT2C_ERR_ARG,
                            "argument 'to': expected from <= to, found from=%g to=%g", p->a, p->b);
    return PT2C_OK;
}

pt2c_status pt2c_parse_randn(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_NORMAL, false, true, &p));
    p->a = 0.0, p->b = 1.0;
    return PT2C_OK;
}

pt2c_status pt2c_parse_randn_like(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_NORMAL, true, false, &p));
    p->a = 0.0, p->b = 1.0;
    return PT2C_OK;
}

static pt2c_status check_std(pt2c_op_ctx *ctx, double std) {
    if (!(std >= 0.0))
        return pt2c_op_fail(ctx, PT2C_ERR_ARG, "argument 'std': expected >= 0, found %g", std);
    return PT2C_OK;
}

pt2c_status pt2c_parse_normal_float_float(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_NORMAL, false, true, &p));
    PT2C_TRY(pt2c_op_float(ctx, "mean", 0.0, &p->a));
    PT2C_TRY(pt2c_op_float(ctx, "std", 1.0, &p->b));
    return check_std(ctx, p->b);
}

pt2c_status pt2c_parse_normal_functional(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_NORMAL, true, false, &p));
    PT2C_TRY(pt2c_op_float(ctx, "mean", 0.0, &p->a));
    PT2C_TRY(pt2c_op_float(ctx, "std", 1.0, &p->b));
    return check_std(ctx, p->b);
}

pt2c_status pt2c_parse_randint(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_RANDINT, false, true, &p));
    p->low = (pt2c_iarg){0, -1};
    PT2C_TRY(pt2c_op_int(ctx, "high", 0, &p->high));
    return PT2C_OK;
}

pt2c_status pt2c_parse_randint_low(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_RANDINT, false, true, &p));
    PT2C_TRY(pt2c_op_int(ctx, "low", 0, &p->low));
    PT2C_TRY(pt2c_op_int(ctx, "high", 0, &p->high));
    return PT2C_OK;
}

pt2c_status pt2c_parse_randint_like(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_RANDINT, true, false, &p));
    p->low = (pt2c_iarg){0, -1};
    PT2C_TRY(pt2c_op_int(ctx, "high", 0, &p->high));
    return PT2C_OK;
}

pt2c_status pt2c_parse_randint_like_low(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_RANDINT, true, false, &p));
    PT2C_TRY(pt2c_op_int(ctx, "low", 0, &p->low));
    PT2C_TRY(pt2c_op_int(ctx, "high", 0, &p->high));
    return PT2C_OK;
}

pt2c_status pt2c_parse_randperm(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_RANDPERM, false, false, &p));
    PT2C_TRY(pt2c_op_int(ctx, "n", 0, &p->n));
    return PT2C_OK;
}

pt2c_status pt2c_parse_bernoulli_p(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_BERNOULLI, true, false, &p));
    PT2C_TRY(pt2c_op_float(ctx, "p", 0.5, &p->a));
    if (!(p->a >= 0.0 && p->a <= 1.0))
        return pt2c_op_fail(ctx, PT2C_ERR_ARG, "argument 'p': expected 0 <= p <= 1, found %g",
                            p->a);
    return PT2C_OK;
}

/* native_dropout(input, p, train?): train None means training. */
pt2c_status pt2c_parse_native_dropout_any(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->kind = RK_DROPOUT;
    PT2C_TRY(pt2c_op_input(ctx, "input", NULL));
    if (!pt2c_op_arg(ctx, "p"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'p': missing");
    PT2C_TRY(pt2c_op_float(ctx, "p", 0.0, &p->a));
    PT2C_TRY(pt2c_op_bool(ctx, "train", true, &p->train));
    if (p->train && !(p->a >= 0.0 && p->a <= 1.0))
        return pt2c_op_fail(ctx, PT2C_ERR_ARG, "argument 'p': expected 0 <= p <= 1, found %g",
                            p->a);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_multinomial(pt2c_op_ctx *ctx, void **params) {
    rand_params *p = NULL;
    PT2C_TRY(new_params(ctx, params, RK_MULTINOMIAL, true, false, &p));
    PT2C_TRY(pt2c_op_int(ctx, "num_samples", 0, &p->n_samples));
    PT2C_TRY(pt2c_op_bool(ctx, "replacement", false, &p->replacement));
    return PT2C_OK;
}

static bool float_dtype(pt2c_dtype t) { return t == PT2C_DTYPE_F32 || t == PT2C_DTYPE_F64; }
static bool int_dtype(pt2c_dtype t) {
    return t == PT2C_DTYPE_I64 || t == PT2C_DTYPE_I32 || t == PT2C_DTYPE_BOOL;
}

pt2c_status pt2c_shape_random(pt2c_op_ctx *ctx, void *params) {
    rand_params *p = params;
    const pt2c_ktensor *self = pt2c_op_n_in(ctx) > 0 ? pt2c_op_in(ctx, 0) : NULL;
    pt2c_dtype dt = p->dtype;
    if (p->kind == RK_DROPOUT) {
        if (!float_dtype(self->dtype))
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                "shape: native_dropout of %s (float32 and float64 only)",
                                pt2c_dtype_name(self->dtype));
        PT2C_TRY(pt2c_op_set_out(ctx, 0, self->dtype, self->rank, self->sizes));
        if (pt2c_op_n_out(ctx) > 1)
            PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_BOOL, self->rank, self->sizes));
        return PT2C_OK;
    }
    if (p->kind == RK_MULTINOMIAL) {
        int64_t k = pt2c_op_iarg(ctx, &p->n_samples), sizes[2];
        if (!float_dtype(self->dtype) || self->rank < 1 || self->rank > 2)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: multinomial expects 1 or 2 dims of float32 or float64, "
                                "found %d dims of %s",
                                (int)self->rank, pt2c_dtype_name(self->dtype));
        int64_t n_cat = self->sizes[self->rank - 1];
        if (k <= 0 || (!p->replacement && k > n_cat))
            return pt2c_op_fail(ctx, PT2C_ERR_ARG,
                                "argument 'num_samples': expected 1 to %lld%s, found %lld",
                                (long long)(p->replacement ? INT64_MAX : n_cat),
                                p->replacement ? "" : " (without replacement)", (long long)k);
        sizes[0] = self->sizes[0];
        sizes[self->rank - 1] = k;
        return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_I64, self->rank, sizes);
    }
    if (dt == PT2C_DTYPE_UNKNOWN)
        dt = self                                                ? self->dtype
             : (p->kind == RK_RANDINT || p->kind == RK_RANDPERM) ? PT2C_DTYPE_I64
                                                                 : PT2C_DTYPE_F32;
    bool ok = float_dtype(dt) ||
              ((p->kind == RK_RANDINT || p->kind == RK_RANDPERM || p->kind == RK_BERNOULLI) &&
               int_dtype(dt));
    if (!ok)
        return pt2c_op_fail(
            ctx, PT2C_ERR_UNSUPPORTED, "shape: random op with dtype %s (float32, float64%s)",
            pt2c_dtype_name(dt),
            p->kind == RK_UNIFORM || p->kind == RK_NORMAL ? "" : ", int64, int32, bool");
    if (p->kind == RK_RANDINT) {
        int64_t lo = p->lo = pt2c_op_iarg(ctx, &p->low), hi = p->hi = pt2c_op_iarg(ctx, &p->high);
        if (!(lo < hi))
            return pt2c_op_fail(ctx, PT2C_ERR_ARG,
                                "argument 'high': expected low < high, found low=%lld high=%lld",
                                (long long)lo, (long long)hi);
    }
    if (p->kind == RK_RANDPERM) {
        int64_t n = pt2c_op_iarg(ctx, &p->n);
        if (n < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_ARG, "argument 'n': expected >= 0, found %lld",
                                (long long)n);
        return pt2c_op_set_out(ctx, 0, dt, 1, &n);
    }
    if (!p->has_size)
        return pt2c_op_set_out(ctx, 0, dt, self->rank, self->sizes);
    if (p->size.n > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: argument 'size' has %d dims (max %d)",
                            (int)p->size.n, PT2C_MAX_RANK);
    int64_t sizes[PT2C_MAX_RANK];
    for (int32_t d = 0; d < p->size.n; d++) {
        sizes[d] = pt2c_op_iarg(ctx, &p->size.items[d]);
        if (sizes[d] < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: argument 'size': negative size %lld in dim %d",
                                (long long)sizes[d], (int)d);
    }
    return pt2c_op_set_out(ctx, 0, dt, p->size.n, sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* Kernels                                                                                  */

static void put_int(pt2c_ktensor *out, int64_t i, int64_t v) {
    switch (out->dtype) {
    case PT2C_DTYPE_I64:
        ((int64_t *)out->data)[i] = v;
        break;
    case PT2C_DTYPE_I32:
        ((int32_t *)out->data)[i] = (int32_t)v;
        break;
    case PT2C_DTYPE_BOOL:
        ((uint8_t *)out->data)[i] = v != 0;
        break;
    case PT2C_DTYPE_F32:
        ((float *)out->data)[i] = (float)v;
        break;
    case PT2C_DTYPE_F64:
        ((double *)out->data)[i] = (double)v;
        break;
    default:
        break;
    }
}

static void uniform_fill(pt2c_generator *g, pt2c_ktensor *out, double from, double to) {
    int64_t n = out->numel;
    if (out->dtype == PT2C_DTYPE_F32) {
        float *o = out->data, f = (float)from, t = (float)to;
        for (int64_t i = 0; i < n; i++) {
            float v = fmaf(pt2c_generator_uniform_f32(g), t - f, f);
            o[i] = v == t ? f : v;
        }
    } else {
        double *o = out->data;
        for (int64_t i = 0; i < n; i++) {
            double v = fma(pt2c_generator_uniform_f64(g), to - from, from);
            o[i] = v == to ? from : v;
        }
    }
}

/* ATen's NormalFill16 on x[0..16): uniforms in, normals out. */
static void fill16_f32(float *x, float mean, float std) {
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - x[j], u2 = x[j + 8];
        float radius = sqrtf(-2.0f * logf(u1));
        float theta = (float)(2.0 * PI_D * (double)u2);
        x[j] = fmaf(radius * cosf(theta), std, mean);
        x[j + 8] = fmaf(radius * sinf(theta), std, mean);
    }
}

static void fill16_f64(double *x, double mean, double std) {
    for (int j = 0; j < 8; j++) {
        double u1 = 1.0 - x[j], u2 = x[j + 8];
        double radius = sqrt(-2.0 * log(u1));
        double theta = 2.0 * PI_D * u2;
        x[j] = fma(radius * cos(theta), std, mean);
        x[j + 8] = fma(radius * sin(theta), std, mean);
    }
}

static void normal_fill(pt2c_generator *g, pt2c_ktensor *out, double mean, double std) {
    int64_t n = out->numel;
    if (n < 16) {
        for (int64_t i = 0; i < n; i++) {
            double v = pt2c_generator_normal(g) * std + mean;
            if (out->dtype == PT2C_DTYPE_F32)
                ((float *)out->data)[i] = (float)v;
            else
                ((double *)out->data)[i] = v;
        }
        return;
    }
    if (out->dtype == PT2C_DTYPE_F32) {
        float *o = out->data, m = (float)mean, s = (float)std;
        for (int64_t i = 0; i < n; i++)
            o[i] = pt2c_generator_uniform_f32(g);
        for (int64_t i = 0; i + 16 <= n; i += 16)
            fill16_f32(o + i, m, s);
        if (n % 16) {
            for (int64_t i = n - 16; i < n; i++)
                o[i] = pt2c_generator_uniform_f32(g);
            fill16_f32(o + n - 16, m, s);
        }
    } else {
        double *o = out->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = pt2c_generator_uniform_f64(g);
        for (int64_t i = 0; i + 16 <= n; i += 16)
            fill16_f64(o + i, mean, std);
        if (n % 16) {
            for (int64_t i = n - 16; i < n; i++)
                o[i] = pt2c_generator_uniform_f64(g);
            fill16_f64(o + n - 16, mean, std);
        }
    }
}

static void randint_fill(pt2c_generator *g, pt2c_ktensor *out, int64_t low, int64_t high) {
    uint64_t range = (uint64_t)high - (uint64_t)low;
    for (int64_t i = 0; i < out->numel; i++) {
        uint64_t r = range >= (1ULL << 32) ? pt2c_generator_u64(g) : pt2c_generator_u32(g);
        put_int(out, i, (int64_t)(r % range + (uint64_t)low));
    }
}

static void randperm_fill(pt2c_generator *g, pt2c_ktensor *out) {
    int64_t n = out->numel;
    if (out->dtype == PT2C_DTYPE_I64) {
        int64_t *o = out->data;
        for (int64_t i = 0; i < n; i++)
            o[i] = i;
        for (int64_t i = 0; i + 1 < n; i++) {
            int64_t z = (int64_t)(pt2c_generator_u32(g) % (uint64_t)(n - i));
            int64_t t = o[i];
            o[i] = o[i + z];
            o[i + z] = t;
        }
        return;
    }
    /* other dtypes: the same permutation, one element at a time */
    for (int64_t i = 0; i < n; i++)
        put_int(out, i, i);
    double *d = out->dtype == PT2C_DTYPE_F64 ? out->data : NULL;
    float *f = out->dtype == PT2C_DTYPE_F32 ? out->data : NULL;
    int32_t *k = out->dtype == PT2C_DTYPE_I32 ? out->data : NULL;
    for (int64_t i = 0; i + 1 < n; i++) {
        int64_t z = (int64_t)(pt2c_generator_u32(g) % (uint64_t)(n - i));
        if (d) {
            double t = d[i];
            d[i] = d[i + z], d[i + z] = t;
        } else if (f) {
            float t = f[i];
            f[i] = f[i + z], f[i + z] = t;
        } else if (k) {
            int32_t t = k[i];
            k[i] = k[i + z], k[i + z] = t;
        }
    }
}

static void dropout_fill(pt2c_generator *g, const pt2c_ktensor *x, pt2c_ktensor *out,
                         pt2c_ktensor *mask, double p) {
    double keep = 1.0 - p, scale = keep == 0.0 ? 0.0 : 1.0 / keep;
    for (int64_t i = 0; i < x->numel; i++) {
        bool m = pt2c_generator_uniform_f64(g) < keep;
        if (mask)
            ((uint8_t *)mask->data)[i] = m;
        if (!out)
            continue;
        if (x->dtype == PT2C_DTYPE_F32)
            ((float *)out->data)[i] =
                ((const float *)x->data)[i] * (m ? 1.0f : 0.0f) * (float)scale;
        else
            ((double *)out->data)[i] = ((const double *)x->data)[i] * (m ? 1.0 : 0.0) * scale;
    }
}

static double weight(const pt2c_ktensor *w, int64_t i) {
    return w->dtype == PT2C_DTYPE_F32 ? (double)((const float *)w->data)[i]
                                      : ((const double *)w->data)[i];
}

/* Each row: k categories drawn in proportion to the weights, by inverse CDF over a float64
 * uniform; without replacement a chosen category leaves the pool (its weight taken from
 * the total). Weights that are all zero (where PyTorch raises) give category 0. */
static void multinomial_fill(pt2c_generator *g, const pt2c_ktensor *w, pt2c_ktensor *out,
                             bool replacement) {
    int64_t n_cat = w->sizes[w->rank - 1], rows = w->rank == 2 ? w->sizes[0] : 1;
    int64_t k = out->sizes[out->rank - 1];
    int64_t *o = out->data;
    for (int64_t r = 0; r < rows; r++) {
        int64_t *row = o + r * k;
        double total = 0.0;
        for (int64_t c = 0; c < n_cat; c++)
            total += fmax(weight(w, r * n_cat + c), 0.0);
        for (int64_t s = 0; s < k; s++) {
            double u = pt2c_generator_uniform_f64(g) * total, acc = 0.0;
            int64_t pick = -1, last = 0;
            for (int64_t c = 0; c < n_cat && pick < 0; c++) {
                bool taken = false;
                for (int64_t t = 0; !replacement && t < s && !taken; t++)
                    taken = row[t] == c;
                double wc = fmax(weight(w, r * n_cat + c), 0.0);
                if (taken || wc <= 0.0)
                    continue;
                last = c;
                acc += wc;
                if (u < acc)
                    pick = c;
            }
            row[s] = pick >= 0 ? pick : last;
            if (!replacement)
                total -= fmax(weight(w, r * n_cat + row[s]), 0.0);
        }
    }
}

/* Evaluation mode (or p = 0): out = input, mask all true; split over threads. */
static void dropout_identity(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(x->numel, ith, nth, &begin, &end);
    if (end <= begin)
        return;
    if (args->out[0])
        memcpy((char *)args->out[0]->data + (size_t)begin * elem,
               (const char *)x->data + (size_t)begin * elem, (size_t)(end - begin) * elem);
    if (args->n_out > 1 && args->out[1])
        memset((uint8_t *)args->out[1]->data + begin, 1, (size_t)(end - begin));
}

void pt2c_k_random(const pt2c_kernel_args *args, int ith, int nth) {
    const rand_params *p = args->params;
    if (p->kind == RK_DROPOUT && !(p->train && p->a > 0.0)) {
        dropout_identity(args, ith, nth);
        return;
    }
    (void)nth;
    if (ith != 0 || !args->gen)
        return;
    pt2c_generator *g = args->gen;
    pt2c_ktensor *out = args->out[0];
    switch (p->kind) {
    case RK_UNIFORM:
        uniform_fill(g, out, p->a, p->b);
        break;
    case RK_NORMAL:
        normal_fill(g, out, p->a, p->b);
        break;
    case RK_RANDINT:
        randint_fill(g, out, p->lo, p->hi);
        break;
    case RK_RANDPERM:
        randperm_fill(g, out);
        break;
    case RK_BERNOULLI:
        for (int64_t i = 0; i < out->numel; i++)
            put_int(out, i, pt2c_generator_uniform_f64(g) < p->a);
        break;
    case RK_MULTINOMIAL:
        multinomial_fill(g, args->in[0], out, p->replacement);
        break;
    case RK_DROPOUT:
        dropout_fill(g, args->in[0], out, args->n_out > 1 ? args->out[1] : NULL, p->a);
        break;
    }
}
