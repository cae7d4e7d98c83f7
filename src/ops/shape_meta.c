/*
 * shape_meta.c - ops that compute or check metadata instead of data. SymInt arguments are
 * read from the plan's value slots (runtime/runtime.h).
 *
 *   sym_size.int(self, dim) -> SymInt     self.sizes[dim]
 *   sym_numel(self) -> SymInt             self.numel
 *   sym_stride.int(self, dim) -> SymInt   row-major stride (every pt2c tensor is dense)
 *   _assert_tensor_metadata(a, size=None, stride=None, dtype=None, *, device, layout) -> ()
 *                                         checks dtype and size when given; strides, device
 *                                         and layout do not apply to dense CPU tensors
 *   _assert_scalar(self, assert_msg) -> ()              fails when the SymBool is false
 *   sym_constrain_range(size, *, min=None, max=None) -> () and
 *   sym_constrain_range_for_size(...)                   fail when the SymInt is out of range
 *
 * These run at shape time (pt2c_op_set_out_int), so the integers exist before any kernel
 * that takes them as an argument; their kernels do nothing.
 */
#include "ops/op_decls.h"
#include "ops/shape_util.h"
#include "runtime/runtime.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* sym_size / sym_numel / sym_stride                                                        */

enum { SYM_SIZE, SYM_NUMEL, SYM_STRIDE };

typedef struct sym_params {
    int what;
    pt2c_iarg dim;
} sym_params;

static pt2c_status parse_sym_common(pt2c_op_ctx *ctx, void **params, int what) {
    sym_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->what = what;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (what != SYM_NUMEL) {
        if (!pt2c_op_arg(ctx, "dim"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing");
        PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    }
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_sym_size(pt2c_op_ctx *ctx, void **params) {
    return parse_sym_common(ctx, params, SYM_SIZE);
}
pt2c_status pt2c_parse_sym_numel(pt2c_op_ctx *ctx, void **params) {
    return parse_sym_common(ctx, params, SYM_NUMEL);
}
pt2c_status pt2c_parse_sym_stride(pt2c_op_ctx *ctx, void **params) {
    return parse_sym_common(ctx, params, SYM_STRIDE);
}

pt2c_status pt2c_shape_sym(pt2c_op_ctx *ctx, void *params) {
    const sym_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (p->what == SYM_NUMEL)
        return pt2c_op_set_out_int(ctx, 0, x->numel);
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    if (x->rank == 0)
        return pt2c_op_set_out_int(ctx, 0, 1); /* PyTorch: a 0-dim tensor answers 1 */
    if (p->what == SYM_SIZE)
        return pt2c_op_set_out_int(ctx, 0, x->sizes[d]);
    int64_t st[PT2C_MAX_RANK];
    pt2c_contig_strides(x->rank, x->sizes, st);
    return pt2c_op_set_out_int(ctx, 0, st[d]);
}

/* ---------------------------------------------------------------------------------------- */
/* Assertions                                                                               */

typedef struct assert_meta_params {
    pt2c_dtype dtype;     /* UNKNOWN: not checked */
    pt2c_iarg_list sizes; /* present=false: not checked */
} assert_meta_params;

pt2c_status pt2c_parse_assert_tensor_metadata(pt2c_op_ctx *ctx, void **params) {
    assert_meta_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "a", NULL));
    PT2C_TRY(pt2c_op_dtype(ctx, "dtype", &p->dtype));
    PT2C_TRY(pt2c_op_ints(ctx, "size", NULL, 0, 0, &p->sizes));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_assert_tensor_metadata(pt2c_op_ctx *ctx, void *params) {
    const assert_meta_params *p = params;
    const pt2c_ktensor *a = pt2c_op_in(ctx, 0);
    if (p->dtype != PT2C_DTYPE_UNKNOWN && p->dtype != a->dtype)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: tensor metadata assertion: dtype is %s, expected %s",
                            pt2c_dtype_name(a->dtype), pt2c_dtype_name(p->dtype));
    if (!p->sizes.present)
        return PT2C_OK;
    bool ok = p->sizes.n == a->rank;
    for (int32_t d = 0; ok && d < a->rank; d++)
        ok = pt2c_op_iarg(ctx, &p->sizes.items[d]) == a->sizes[d];
    if (!ok)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: tensor metadata assertion: sizes differ from the expected "
                            "%d-dim sizes",
                            (int)p->sizes.n);
    return PT2C_OK;
}

/* The slot of a named SymInt/SymBool argument, or -1 for a literal (value in *literal). */
static pt2c_status sym_arg(pt2c_op_ctx *ctx, const char *name, int32_t *slot, int64_t *literal) {
    const pt2c_arg *a = pt2c_op_arg(ctx, name);
    *slot = -1;
    *literal = 1;
    if (!a)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing", name);
    switch (a->kind) {
    case PT2C_ARG_BOOL:
        *literal = a->b;
        return PT2C_OK;
    case PT2C_ARG_INT:
        *literal = a->i;
        return PT2C_OK;
    case PT2C_ARG_SYM_BOOL:
    case PT2C_ARG_SYM_INT:
        if (!a->name) {
            *literal = a->kind == PT2C_ARG_SYM_BOOL ? a->b : a->i;
            return PT2C_OK;
        }
        break;
    default:
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': expected a SymInt or SymBool",
                            name);
    }
    int64_t s;
    if (!pt2c_strmap_get(&ctx->plan->slot_by_name, a->name, &s))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "argument '%s': value '%s' is not defined before use", name, a->name);
    *slot = (int32_t)s;
    return PT2C_OK;
}

/* The current value of a sym argument; false when it has not been computed. */
static bool sym_value(const pt2c_op_ctx *ctx, int32_t slot, int64_t literal, int64_t *out) {
    if (slot < 0) {
        *out = literal;
        return true;
    }
    const pt2c_value *v = &ctx->plan->values[slot];
    if (v->kind == PT2C_VALUE_INT || v->kind == PT2C_VALUE_BOOL) {
        *out = v->i;
        return true;
    }
    if (v->kind == PT2C_VALUE_FLOAT) {
        *out = (int64_t)v->f;
        return true;
    }
    return false;
}

typedef struct assert_scalar_params {
    int32_t slot;
    int64_t literal;
    const char *msg;
    bool range; /* sym_constrain_range*: check min/max instead of truth */
    bool has_min, has_max;
    pt2c_iarg min, max;
} assert_scalar_params;

pt2c_status pt2c_parse_assert_scalar(pt2c_op_ctx *ctx, void **params) {
    assert_scalar_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(sym_arg(ctx, "self", &p->slot, &p->literal));
    PT2C_TRY(pt2c_op_string(ctx, "assert_msg", "assertion failed", &p->msg));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_sym_constrain_range(pt2c_op_ctx *ctx, void **params) {
    assert_scalar_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->range = true;
    PT2C_TRY(sym_arg(ctx, "size", &p->slot, &p->literal));
    PT2C_TRY(pt2c_op_optional_int(ctx, "min", &p->has_min, &p->min));
    PT2C_TRY(pt2c_op_optional_int(ctx, "max", &p->has_max, &p->max));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_assert_scalar(pt2c_op_ctx *ctx, void *params) {
    const assert_scalar_params *p = params;
    int64_t v;
    if (!sym_value(ctx, p->slot, p->literal, &v))
        return PT2C_OK; /* not computed at shape time: nothing to check against */
    if (!p->range) {
        if (!v)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s", p->msg);
        return PT2C_OK;
    }
    if ((p->has_min && v < pt2c_op_iarg(ctx, &p->min)) ||
        (p->has_max && v > pt2c_op_iarg(ctx, &p->max)))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: value %lld is outside the range [%s, %s]",
                            (long long)v, p->has_min ? "min" : "-inf", p->has_max ? "max" : "inf");
    return PT2C_OK;
}
