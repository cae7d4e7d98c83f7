/*
 * broadcast.c - ops whose outputs are their inputs expanded to a common shape, each written
 * as a dense copy (PyTorch returns expanded views; pt2c's strided views alias one input, and
 * these ops have several):
 *
 *   broadcast_tensors(tensors)       out[k] = tensors[k] expanded to the NumPy broadcast of
 *                                    every input's shape
 *   meshgrid(tensors, indexing='ij') inputs 0-d or 1-d of lengths L_0..L_{n-1}; every out[k]
 *                                    has shape [L_0, ..., L_{n-1}] with tensors[k] along dim
 *                                    k; 'xy' swaps the first two dims of every output (so
 *                                    tensors[0] runs along dim 1). meshgrid.default is 'ij'.
 *
 * Each output keeps its input's dtype.
 */
#include "ops/op_decls.h"
#include "ops/ops.h"
#include "ops/shape_util.h"
#include "ops/strided.h"

#include <string.h>

enum { BCAST_MAX_INPUTS = 64 };

typedef struct expand_params {
    bool meshgrid;
    bool xy;
    int32_t first, n; /* the tensor-list inputs */
    int32_t rank;
    int64_t sizes[PT2C_MAX_RANK];
    int64_t strides[BCAST_MAX_INPUTS][PT2C_MAX_RANK]; /* of input k in output k */
} expand_params;

static pt2c_status parse_common(pt2c_op_ctx *ctx, void **params, bool meshgrid) {
    expand_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->meshgrid = meshgrid;
    PT2C_TRY(pt2c_op_input_list(ctx, "tensors", &p->first, &p->n));
    if (p->n < 1 || p->n > BCAST_MAX_INPUTS)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'tensors': %d tensors (pt2c takes 1 to %d)", (int)p->n,
                            BCAST_MAX_INPUTS);
    const pt2c_arg *ix = pt2c_op_arg(ctx, "indexing");
    if (meshgrid && ix && ix->kind == PT2C_ARG_STRING) {
        if (strcmp(ix->str, "xy") != 0 && strcmp(ix->str, "ij") != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                                "argument 'indexing': '%s', expected 'ij' or 'xy'", ix->str);
        p->xy = strcmp(ix->str, "xy") == 0;
    }
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_broadcast_tensors(pt2c_op_ctx *ctx, void **params) {
    return parse_common(ctx, params, false);
}

pt2c_status pt2c_parse_meshgrid(pt2c_op_ctx *ctx, void **params) {
    return parse_common(ctx, params, true);
}

static pt2c_status shape_broadcast(pt2c_op_ctx *ctx, expand_params *p) {
    pt2c_ktensor b;
    memset(&b, 0, sizeof b);
    for (int32_t k = 0; k < p->n; k++) {
        int32_t r;
        int64_t sizes[PT2C_MAX_RANK];
        PT2C_TRY(pt2c_op_broadcast(ctx, &b, pt2c_op_in(ctx, p->first + k), &r, sizes));
        b.rank = r;
        memcpy(b.sizes, sizes, sizeof(int64_t) * (size_t)r);
    }
    p->rank = b.rank;
    memcpy(p->sizes, b.sizes, sizeof(int64_t) * (size_t)b.rank);
    for (int32_t k = 0; k < p->n; k++)
        pt2c_broadcast_strides(pt2c_op_in(ctx, p->first + k), p->rank, p->strides[k]);
    return PT2C_OK;
}

static pt2c_status shape_meshgrid(pt2c_op_ctx *ctx, expand_params *p) {
    if (p->n > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: meshgrid of %d tensors (max %d)",
                            (int)p->n, PT2C_MAX_RANK);
    p->rank = p->n;
    for (int32_t k = 0; k < p->n; k++) {
        const pt2c_ktensor *t = pt2c_op_in(ctx, p->first + k);
        if (t->rank > 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: meshgrid expects 0-d or 1-d tensors, tensor %d has %d dims",
                                (int)k, (int)t->rank);
        int32_t d = p->xy && p->n >= 2 && k < 2 ? 1 - k : k; /* where tensor k runs */
        p->sizes[d] = t->rank == 1 ? t->sizes[0] : 1;
        memset(p->strides[k], 0, sizeof p->strides[k]);
        p->strides[k][d] = 1;
    }
    return PT2C_OK;
}

pt2c_status pt2c_shape_expand_copies(pt2c_op_ctx *ctx, void *params) {
    expand_params *p = params;
    if (pt2c_op_node(ctx)->n_outputs < 1)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "shape: the node lists no outputs");
    PT2C_TRY(p->meshgrid ? shape_meshgrid(ctx, p) : shape_broadcast(ctx, p));
    for (int32_t k = 0; k < p->n; k++)
        PT2C_TRY(pt2c_op_set_out(ctx, k, pt2c_op_in(ctx, p->first + k)->dtype, p->rank, p->sizes));
    return PT2C_OK;
}

void pt2c_k_expand_copies(const pt2c_kernel_args *args, int ith, int nth) {
    const expand_params *p = args->params;
    for (int32_t k = 0; k < p->n && k < args->n_out; k++) {
        const pt2c_ktensor *x = args->in[p->first + k];
        pt2c_ktensor *out = args->out[k];
        if (!out || out->numel == 0)
            continue;
        pt2c_copy_strided(out->data, x->data, p->rank, p->sizes, p->strides[k],
                          pt2c_dtype_size(x->dtype), ith, nth);
    }
}
