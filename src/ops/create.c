/*
 * create.c - tensor creation, fills and dtype conversions.
 *
 * Constant fills: out[i] = v, v converted once (at shape time) to the output dtype.
 *   full(size, fill_value, *, dtype=None)       dtype None: bool / int64 / float32 after v
 *   zeros / ones / empty.memory_format(size, *, dtype=None)     float32; empty is zero-filled
 *   full_like(self, fill_value, *, dtype=None), zeros_like / ones_like / empty_like(self)
 *   new_full(self, size, fill_value), new_zeros / new_ones / new_empty(self, size)
 *                                               self's dtype unless dtype= is given
 *   scalar_tensor(s, *, dtype=None)             0-dim, float32 unless dtype= is given
 *   fill.Scalar / fill_.Scalar(self, value), zero_(self)        self's shape and dtype
 *   fill.Tensor / fill_.Tensor(self, value)     value: a 0-dim tensor, cast to self's dtype
 * Ranges:
 *   arange(end), arange.start(start, end), arange.start_step(start, end, step=1), dtype=None
 *                                               out[i] = start + i * step, computed in int64
 *                                               for integer dtypes, double for float32/64,
 *                                               float for float16/bfloat16 (PyTorch's
 *                                               acc_type); dtype None: int64 when start, end
 *                                               and step are all ints, else float32.
 *                                               length: int64 dtype ((end - start + step -
 *                                               sgn(step)) / step, integer division), other
 *                                               dtypes ceil((end - start) / step) in double.
 * Conversions (out[i] = (dtype) self[i], PyTorch cast rules, shape_util.h):
 *   _to_copy(self, *, dtype=None, ...), to.dtype(self, dtype), to.dtype_layout(self, *,
 *   dtype=None, ...), to.device(self, device, dtype), type_as(self, other)
 *   copy(self, src) / copy_(self, src)          src broadcast to self's shape, cast to
 *                                               self's dtype
 * Layout, device, pin_memory and memory_format arguments do not change values and are
 * ignored (every pt2c tensor is a dense CPU tensor).
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/shape_util.h"

#include <math.h>
#include <string.h>

#define NEW_PARAMS(type, var)                                                                      \
    type *var = pt2c_op_params(ctx, sizeof(type));                                                 \
    if (!var)                                                                                      \
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");

/* ---------------------------------------------------------------------------------------- */
/* Constant fills                                                                           */

enum {
    DT_SCALAR, /* dtype None: the fill value's own (full) */
    DT_FLOAT,  /* dtype None: float32 (zeros, ones, empty, scalar_tensor) */
    DT_SELF    /* dtype None: self's dtype (*_like, new_*, fill) */
};

typedef struct fill_params {
    bool has_size;        /* sizes from 'size', else from input 0 (self) */
    pt2c_iarg_list size;  /* has_size */
    pt2c_scalar value;    /* the fill value (literal or Sym) */
    int dtype_rule;       /* DT_* */
    pt2c_dtype dtype;     /* dtype=, or UNKNOWN */
    bool scalar_out;      /* scalar_tensor: rank 0 */
    pt2c_elem_value elem; /* value in the output dtype (shape time) */
} fill_params;

static pt2c_status parse_fill_common(pt2c_op_ctx *ctx, void **params, bool has_self, bool has_size,
                                     const char *value_name, double value, int dtype_rule) {
    NEW_PARAMS(fill_params, p);
    p->dtype_rule = dtype_rule;
    p->has_size = has_size;
    if (has_self)
        PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (has_size) {
        PT2C_TRY(pt2c_op_ints(ctx, "size", NULL, 0, 0, &p->size));
        if (!p->size.present)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'size': missing");
    }
    if (value_name) {
        PT2C_TRY(pt2c_op_scalar(ctx, value_name, NULL, &p->value));
    } else {
        /* zeros / ones: an int literal, so bool and integer outputs get exact values */
        p->value = (pt2c_scalar){PT2C_DTYPE_I64, (int64_t)value, value, -1};
    }
    PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_full(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, false, true, "fill_value", 0, DT_SCALAR);
}
pt2c_status pt2c_parse_zeros(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, false, true, NULL, 0, DT_FLOAT);
}
pt2c_status pt2c_parse_ones(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, false, true, NULL, 1, DT_FLOAT);
}
pt2c_status pt2c_parse_full_like(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, false, "fill_value", 0, DT_SELF);
}
pt2c_status pt2c_parse_zeros_like(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, false, NULL, 0, DT_SELF);
}
pt2c_status pt2c_parse_ones_like(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, false, NULL, 1, DT_SELF);
}
pt2c_status pt2c_parse_new_full(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, true, "fill_value", 0, DT_SELF);
}
pt2c_status pt2c_parse_new_zeros(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, true, NULL, 0, DT_SELF);
}
pt2c_status pt2c_parse_new_ones(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, true, NULL, 1, DT_SELF);
}
pt2c_status pt2c_parse_fill(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_common(ctx, params, true, false, "value", 0, DT_SELF);
}
pt2c_status pt2c_parse_fill_(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(pt2c_op_check_inplace_self(ctx));
    return parse_fill_common(ctx, params, true, false, "value", 0, DT_SELF);
}
pt2c_status pt2c_parse_zero_(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(pt2c_op_check_inplace_self(ctx));
    return parse_fill_common(ctx, params, true, false, NULL, 0, DT_SELF);
}

pt2c_status pt2c_parse_scalar_tensor(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(parse_fill_common(ctx, params, false, false, "s", 0, DT_FLOAT));
    ((fill_params *)*params)->scalar_out = true;
    return PT2C_OK;
}

static pt2c_status check_castable(pt2c_op_ctx *ctx, pt2c_dtype t, const char *what) {
    if (!pt2c_dtype_castable(t))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s dtype %s is not supported", what,
                            pt2c_dtype_name(t));
    return PT2C_OK;
}

pt2c_status pt2c_shape_fill(pt2c_op_ctx *ctx, void *params) {
    fill_params *p = params;
    pt2c_dtype dt = p->dtype;
    const pt2c_ktensor *self = NULL;
    if (pt2c_op_n_in(ctx) > 0)
        self = pt2c_op_in(ctx, 0);
    if (dt == PT2C_DTYPE_UNKNOWN)
        dt = p->dtype_rule == DT_SCALAR  ? pt2c_scalar_default_dtype(&p->value)
             : p->dtype_rule == DT_FLOAT ? PT2C_DTYPE_F32
             : self                      ? self->dtype
                                         : PT2C_DTYPE_F32;
    PT2C_TRY(check_castable(ctx, dt, "output"));
    pt2c_elem_from_scalar(ctx, &p->value, dt, &p->elem);
    if (p->scalar_out)
        return pt2c_op_set_out(ctx, 0, dt, 0, NULL);
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

void pt2c_k_fill(const pt2c_kernel_args *args, int ith, int nth) {
    const fill_params *p = args->params;
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    pt2c_fill_bytes(out->data, pt2c_dtype_size(out->dtype), &p->elem, begin, end);
}

/* fill.Tensor(self, value): value is a 0-dim tensor known only when the kernel runs. */
static pt2c_status parse_fill_tensor_common(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    return pt2c_op_input(ctx, "value", NULL);
}

pt2c_status pt2c_parse_fill_tensor(pt2c_op_ctx *ctx, void **params) {
    return parse_fill_tensor_common(ctx, params);
}

pt2c_status pt2c_parse_fill_tensor_(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(pt2c_op_check_inplace_self(ctx));
    return parse_fill_tensor_common(ctx, params);
}

pt2c_status pt2c_shape_fill_tensor(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *self = pt2c_op_in(ctx, 0), *v = pt2c_op_in(ctx, 1);
    if (v->rank != 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: fill only supports a 0-dim value tensor, found %d dims",
                            (int)v->rank);
    PT2C_TRY(check_castable(ctx, self->dtype, "self"));
    PT2C_TRY(check_castable(ctx, v->dtype, "value"));
    return pt2c_op_set_out(ctx, 0, self->dtype, self->rank, self->sizes);
}

void pt2c_k_fill_tensor(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *v = args->in[1];
    pt2c_ktensor *out = args->out[0];
    pt2c_elem_value elem;
    memset(&elem, 0, sizeof elem);
    pt2c_cast_one(elem.bytes, out->dtype, 0, v->data, v->dtype, 0);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    pt2c_fill_bytes(out->data, pt2c_dtype_size(out->dtype), &elem, begin, end);
}

/* ---------------------------------------------------------------------------------------- */
/* arange                                                                                   */

typedef struct arange_params {
    pt2c_scalar start, end, step;
    pt2c_dtype dtype; /* dtype=, or UNKNOWN */
    /* shape time: */
    int64_t istart, istep; /* integer outputs */
    double fstart, fstep;  /* floating outputs */
} arange_params;

static pt2c_status parse_arange_common(pt2c_op_ctx *ctx, void **params, bool has_start,
                                       bool has_step) {
    NEW_PARAMS(arange_params, p);
    pt2c_scalar zero = {PT2C_DTYPE_I64, 0, 0.0, -1}, one = {PT2C_DTYPE_I64, 1, 1.0, -1};
    if (has_start)
        PT2C_TRY(pt2c_op_scalar(ctx, "start", NULL, &p->start));
    else
        p->start = zero;
    PT2C_TRY(pt2c_op_scalar(ctx, "end", NULL, &p->end));
    if (has_step)
        PT2C_TRY(pt2c_op_scalar(ctx, "step", &one, &p->step));
    else
        p->step = one;
    PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_arange(pt2c_op_ctx *ctx, void **params) {
    return parse_arange_common(ctx, params, false, false);
}
pt2c_status pt2c_parse_arange_start(pt2c_op_ctx *ctx, void **params) {
    return parse_arange_common(ctx, params, true, false);
}
pt2c_status pt2c_parse_arange_start_step(pt2c_op_ctx *ctx, void **params) {
    return parse_arange_common(ctx, params, true, true);
}

static bool scalar_is_int(const pt2c_scalar *s) { return s->dtype != PT2C_DTYPE_F64; }

pt2c_status pt2c_shape_arange(pt2c_op_ctx *ctx, void *params) {
    arange_params *p = params;
    pt2c_dtype dt = p->dtype;
    if (dt == PT2C_DTYPE_UNKNOWN)
        dt = scalar_is_int(&p->start) && scalar_is_int(&p->end) && scalar_is_int(&p->step)
                 ? PT2C_DTYPE_I64
                 : PT2C_DTYPE_F32;
    PT2C_TRY(check_castable(ctx, dt, "output"));
    if (dt == PT2C_DTYPE_BOOL)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: arange does not produce bool");
    double fs = pt2c_op_scalar_f64(ctx, &p->start), fe = pt2c_op_scalar_f64(ctx, &p->end),
           fst = pt2c_op_scalar_f64(ctx, &p->step);
    if (!isfinite(fs) || !isfinite(fe))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: arange: unsupported range %g -> %g", fs,
                            fe);
    bool integral = dt != PT2C_DTYPE_F32 && dt != PT2C_DTYPE_F64 && dt != PT2C_DTYPE_F16 &&
                    dt != PT2C_DTYPE_BF16;
    int64_t n;
    if (integral) {
        /* The scalars as the int64 accumulation type (truncated), as PyTorch converts them. */
        int64_t s = pt2c_op_scalar_i64(ctx, &p->start), e = pt2c_op_scalar_i64(ctx, &p->end),
                st = pt2c_op_scalar_i64(ctx, &p->step);
        if (st == 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: arange: step must be nonzero");
        if ((st > 0 && e < s) || (st < 0 && e > s))
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: arange: upper bound and lower bound inconsistent with "
                                "step sign");
        if (dt == PT2C_DTYPE_I64) {
            int64_t sgn = st > 0 ? 1 : -1;
            n = (e - s + st - sgn) / st;
        } else {
            n = (int64_t)ceil((fe - fs) / fst);
        }
        p->istart = s;
        p->istep = st;
    } else {
        if (fst == 0.0 || isnan(fst))
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: arange: step must be nonzero");
        if ((fst > 0 && fe < fs) || (fst < 0 && fe > fs))
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: arange: upper bound and lower bound inconsistent with "
                                "step sign");
        double nd = ceil((fe - fs) / fst);
        if (!(nd < 9.0e15))
            return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: arange: %g elements is too many", nd);
        n = (int64_t)nd;
        p->fstart = fs;
        p->fstep = fst;
        if (dt == PT2C_DTYPE_F16 || dt == PT2C_DTYPE_BF16) {
            /* acc_type of the half types is float. */
            p->fstart = (double)(float)fs;
            p->fstep = (double)(float)fst;
        }
    }
    if (n < 0)
        n = 0;
    return pt2c_op_set_out(ctx, 0, dt, 1, &n);
}

void pt2c_k_arange(const pt2c_kernel_args *args, int ith, int nth) {
    const arange_params *p = args->params;
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    switch (out->dtype) {
    case PT2C_DTYPE_F32: {
        float *o = out->data;
        for (int64_t i = begin; i < end; i++)
            o[i] = (float)(p->fstart + p->fstep * (double)i);
        return;
    }
    case PT2C_DTYPE_F64: {
        double *o = out->data;
        for (int64_t i = begin; i < end; i++)
            o[i] = p->fstart + p->fstep * (double)i;
        return;
    }
    case PT2C_DTYPE_F16:
    case PT2C_DTYPE_BF16:
        for (int64_t i = begin; i < end; i++) {
            float v = (float)p->fstart + (float)p->fstep * (float)i;
            pt2c_store_f64(out->data, out->dtype, i, (double)v);
        }
        return;
    default:
        for (int64_t i = begin; i < end; i++) {
            /* int64 arithmetic wraps like PyTorch's; unsigned math avoids signed overflow UB */
            int64_t v = (int64_t)((uint64_t)p->istart + (uint64_t)p->istep * (uint64_t)i);
            pt2c_store_i64(out->data, out->dtype, i, v);
        }
        return;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Conversions                                                                              */

typedef struct to_params {
    pt2c_dtype dtype; /* UNKNOWN: keep self's (or other's for type_as) */
    bool type_as;     /* dtype of input 1 */
} to_params;

static pt2c_status parse_to_common(pt2c_op_ctx *ctx, void **params, bool required) {
    NEW_PARAMS(to_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    if (required && p->dtype == PT2C_DTYPE_UNKNOWN)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dtype': missing");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_to_copy(pt2c_op_ctx *ctx, void **params) {
    return parse_to_common(ctx, params, false);
}
pt2c_status pt2c_parse_to_dtype(pt2c_op_ctx *ctx, void **params) {
    return parse_to_common(ctx, params, true);
}

pt2c_status pt2c_parse_type_as(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(to_params, p);
    p->type_as = true;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "other", NULL));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_to(pt2c_op_ctx *ctx, void *params) {
    const to_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_dtype dt = p->type_as                       ? pt2c_op_in(ctx, 1)->dtype
                    : p->dtype == PT2C_DTYPE_UNKNOWN ? x->dtype
                                                     : p->dtype;
    if (dt != x->dtype) {
        PT2C_TRY(check_castable(ctx, x->dtype, "input"));
        PT2C_TRY(check_castable(ctx, dt, "output"));
    }
    return pt2c_op_set_out(ctx, 0, dt, x->rank, x->sizes);
}

void pt2c_k_to(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    size_t ie = pt2c_dtype_size(x->dtype), oe = pt2c_dtype_size(out->dtype);
    pt2c_cast_run((uint8_t *)out->data + (size_t)begin * oe, out->dtype,
                  (const uint8_t *)x->data + (size_t)begin * ie, x->dtype, end - begin);
}

/* copy(self, src) ----------------------------------------------------------------------------- */

static pt2c_status parse_copy_common(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    return pt2c_op_input(ctx, "src", NULL);
}

pt2c_status pt2c_parse_copy(pt2c_op_ctx *ctx, void **params) {
    return parse_copy_common(ctx, params);
}

pt2c_status pt2c_parse_copy_(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(pt2c_op_check_inplace_self(ctx));
    return parse_copy_common(ctx, params);
}

pt2c_status pt2c_shape_copy(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *self = pt2c_op_in(ctx, 0), *src = pt2c_op_in(ctx, 1);
    if (src->rank > self->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: copy: src has %d dims, more than self's %d", (int)src->rank,
                            (int)self->rank);
    for (int32_t d = 0; d < src->rank; d++) {
        int64_t s = src->sizes[d], t = self->sizes[self->rank - src->rank + d];
        if (s != t && s != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: copy: src size %lld cannot broadcast to self size %lld "
                                "in dim %d",
                                (long long)s, (long long)t, (int)(self->rank - src->rank + d));
    }
    if (self->dtype != src->dtype) {
        PT2C_TRY(check_castable(ctx, self->dtype, "self"));
        PT2C_TRY(check_castable(ctx, src->dtype, "src"));
    }
    return pt2c_op_set_out(ctx, 0, self->dtype, self->rank, self->sizes);
}

/* out[i] = (self dtype) src[broadcast(i)] */
void pt2c_k_copy_from(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *src = args->in[1];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    if (src->numel == out->numel) {
        /* Same element count and broadcast-compatible: the same row-major order. */
        size_t ie = pt2c_dtype_size(src->dtype), oe = pt2c_dtype_size(out->dtype);
        pt2c_cast_run((uint8_t *)out->data + (size_t)begin * oe, out->dtype,
                      (const uint8_t *)src->data + (size_t)begin * ie, src->dtype, end - begin);
        return;
    }
    pt2c_nditer it;
    pt2c_broadcast_strides(src, out->rank, it.strides[0]);
    pt2c_nditer_start(&it, out->rank, out->sizes, 1, begin);
    for (int64_t i = begin; i < end; i++) {
        pt2c_cast_one(out->data, out->dtype, i, src->data, src->dtype, it.off[0]);
        pt2c_nditer_next(&it);
    }
}
