/*
 * concat.c - cat and stack.
 *
 *   cat(tensors, dim=0)     out.sizes = tensors[0].sizes with sizes[dim] = sum of sizes[dim];
 *                           the other dims must agree. 1-D empty tensors (shape [0]) are
 *                           skipped, as PyTorch does for legacy code, but still take part in
 *                           type promotion: out dtype = promote_types over every input.
 *   stack(tensors, dim=0)   every input has the same shape S; out = cat of the inputs each
 *                           unsqueezed at dim (dim in [-(rank+1), rank]).
 *
 * Both are row copies: with outer = prod(out.sizes[:dim]), output row q is the concatenation
 * of row q of every input, input i contributing row[i] = prod(in_i.sizes[dim:]) elements
 * (stack: prod(S[dim:])). Threads split output elements; a piece of a row is cast on the fly
 * when the input's dtype differs from the output's.
 */
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/shape_util.h"

#include <string.h>

typedef struct cat_params {
    pt2c_iarg dim;
    bool stack;
    int32_t n;    /* inputs */
    int64_t *row; /* n: elements each input contributes to one output row (arena) */
    int64_t out_row;
} cat_params;

static pt2c_status parse_cat_common(pt2c_op_ctx *ctx, void **params, bool stack) {
    cat_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->stack = stack;
    int32_t first = 0, count = 0;
    PT2C_TRY(pt2c_op_input_list(ctx, "tensors", &first, &count));
    if (first != 0)
        return pt2c_op_fail(ctx, PT2C_ERR_INTERNAL, "plan: cat inputs start at %d", (int)first);
    if (count == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "argument 'tensors': expected a non-empty list of tensors");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    p->n = count;
    p->row = PT2C_ARENA_ARRAY(pt2c_op_arena(ctx), int64_t, count);
    if (!p->row)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_cat(pt2c_op_ctx *ctx, void **params) {
    return parse_cat_common(ctx, params, false);
}

pt2c_status pt2c_parse_stack(pt2c_op_ctx *ctx, void **params) {
    return parse_cat_common(ctx, params, true);
}

static bool legacy_empty(const pt2c_ktensor *t) { return t->rank == 1 && t->sizes[0] == 0; }

static pt2c_status shape_stack(pt2c_op_ctx *ctx, cat_params *p, pt2c_dtype dtype) {
    const pt2c_ktensor *t0 = pt2c_op_in(ctx, 0);
    if (t0->rank + 1 > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: stack to rank %d (max %d)",
                            (int)t0->rank + 1, PT2C_MAX_RANK);
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), t0->rank + 1, &d));
    for (int32_t i = 1; i < p->n; i++) {
        const pt2c_ktensor *t = pt2c_op_in(ctx, i);
        bool same = t->rank == t0->rank;
        for (int32_t k = 0; same && k < t->rank; k++)
            same = t->sizes[k] == t0->sizes[k];
        if (!same)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: stack expects tensors of equal shape; tensor %d differs "
                                "from tensor 0",
                                (int)i);
    }
    int64_t inner = 1;
    for (int32_t k = d; k < t0->rank; k++)
        inner *= t0->sizes[k];
    for (int32_t i = 0; i < p->n; i++)
        p->row[i] = inner;
    p->out_row = inner * p->n;
    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t k = 0; k <= t0->rank; k++) {
        if (k == d)
            sizes[r++] = p->n;
        if (k < t0->rank)
            sizes[r++] = t0->sizes[k];
    }
    return pt2c_op_set_out(ctx, 0, dtype, r, sizes);
}

pt2c_status pt2c_shape_cat(pt2c_op_ctx *ctx, void *params) {
    cat_params *p = params;
    pt2c_dtype dtype = PT2C_DTYPE_UNKNOWN;
    for (int32_t i = 0; i < p->n; i++) {
        const pt2c_ktensor *t = pt2c_op_in(ctx, i);
        if (!pt2c_dtype_castable(t->dtype) && t->dtype != pt2c_op_in(ctx, 0)->dtype)
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                "shape: tensor %d has dtype %s, which pt2c cannot convert", (int)i,
                                pt2c_dtype_name(t->dtype));
        dtype = pt2c_promote_types(dtype, t->dtype);
    }
    if (p->stack)
        return shape_stack(ctx, p, dtype);
    /* The reference tensor: the first that is not a legacy empty one. */
    int32_t ref = -1;
    for (int32_t i = 0; i < p->n && ref < 0; i++)
        if (!legacy_empty(pt2c_op_in(ctx, i)))
            ref = i;
    if (ref < 0) {
        int64_t zero = 0;
        for (int32_t i = 0; i < p->n; i++)
            p->row[i] = 0;
        p->out_row = 0;
        return pt2c_op_set_out(ctx, 0, dtype, 1, &zero);
    }
    const pt2c_ktensor *t0 = pt2c_op_in(ctx, ref);
    if (t0->rank == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: zero-dimensional tensor %d cannot be concatenated", (int)ref);
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), t0->rank, &d));
    int64_t sizes[PT2C_MAX_RANK];
    memcpy(sizes, t0->sizes, sizeof(int64_t) * (size_t)t0->rank);
    sizes[d] = 0;
    int64_t inner = 1;
    for (int32_t k = d + 1; k < t0->rank; k++)
        inner *= t0->sizes[k];
    p->out_row = 0;
    for (int32_t i = 0; i < p->n; i++) {
        const pt2c_ktensor *t = pt2c_op_in(ctx, i);
        if (legacy_empty(t)) {
            p->row[i] = 0;
            continue;
        }
        if (t->rank != t0->rank)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: cat: tensor %d has %d dims, tensor %d has %d", (int)i,
                                (int)t->rank, (int)ref, (int)t0->rank);
        for (int32_t k = 0; k < t->rank; k++)
            if (k != d && t->sizes[k] != t0->sizes[k])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: cat: tensor %d has size %lld in dim %d, expected "
                                    "%lld",
                                    (int)i, (long long)t->sizes[k], (int)k,
                                    (long long)t0->sizes[k]);
        sizes[d] += t->sizes[d];
        p->row[i] = t->sizes[d] * inner;
        p->out_row += p->row[i];
    }
    return pt2c_op_set_out(ctx, 0, dtype, t0->rank, sizes);
}

/* Output elements [begin, end): for each, row q = i / out_row and column c = i % out_row
 * fall in one input's segment; copy (or cast) the longest piece that stays in it. */
void pt2c_k_cat(const pt2c_kernel_args *args, int ith, int nth) {
    const cat_params *p = args->params;
    pt2c_ktensor *out = args->out[0];
    if (p->out_row == 0)
        return;
    size_t oelem = pt2c_dtype_size(out->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    int64_t i = begin;
    while (i < end) {
        int64_t q = i / p->out_row, c = i % p->out_row;
        int32_t k = 0;
        int64_t seg = 0;
        while (c >= seg + p->row[k]) {
            seg += p->row[k];
            k++;
        }
        /* Within one row, walk the segments from k on. */
        for (; k < p->n && i < end; k++) {
            if (p->row[k] == 0)
                continue;
            int64_t from = c - seg; /* column inside input k's row */
            int64_t n = p->row[k] - from;
            if (n > end - i)
                n = end - i;
            const pt2c_ktensor *x = args->in[k];
            size_t ielem = pt2c_dtype_size(x->dtype);
            const uint8_t *src = (const uint8_t *)x->data + (size_t)(q * p->row[k] + from) * ielem;
            uint8_t *dst = (uint8_t *)out->data + (size_t)i * oelem;
            pt2c_cast_run(dst, out->dtype, src, x->dtype, n);
            i += n;
            seg += p->row[k];
            c = seg;
        }
    }
}
