/*
 * view.c - shape ops. Ops that keep the element order (view, reshape, flatten) are
 * registered as PT2C_OP_VIEW: the planner gives them the strides of their input's layout
 * (ops/layout.h, pt2c_layout_reshape). Ops that reorder (permute, t, transpose, movedim)
 * are PT2C_OP_STRIDED views: the shape function permutes the input's layout, and the
 * planner copies the result only where a kernel reads it (pt2c_k_permute is that copy for a
 * dense input).
 *
 *   view(self, size)            size may hold one -1 (inferred) and SymInts
 *   flatten(self, start_dim=0, end_dim=-1)
 *   permute(self, dims)         out.sizes[i] = self.sizes[dims[i]]
 *   t(self)                     permute([1, 0]) for rank 2, identity for rank < 2
 *   transpose.int(self, dim0, dim1), swapaxes(self, axis0, axis1)
 *                               permute exchanging the two dims
 *   movedim.int(self, source, destination)
 *                               permute taking dim source to position destination, the
 *                               other dims keeping their order
 */
#include "ops/op_decls.h"
#include "ops/strided.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* view / reshape                                                                           */

typedef struct view_params {
    pt2c_iarg_list size;
} view_params;

pt2c_status pt2c_parse_view(pt2c_op_ctx *ctx, void **params) {
    view_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    const char *name = pt2c_op_arg(ctx, "size") ? "size" : "shape";
    PT2C_TRY(pt2c_op_ints(ctx, name, NULL, 0, 0, &p->size));
    if (!p->size.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'size': missing");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_view(pt2c_op_ctx *ctx, void *params) {
    const view_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (p->size.n > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: view to rank %d (max %d)", (int)p->size.n,
                            PT2C_MAX_RANK);
    int64_t sizes[PT2C_MAX_RANK];
    int32_t infer = -1;
    int64_t known = 1;
    for (int32_t i = 0; i < p->size.n; i++) {
        sizes[i] = pt2c_op_iarg(ctx, &p->size.items[i]);
        if (sizes[i] == -1) {
            if (infer >= 0)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: only one dimension can be -1");
            infer = i;
        } else if (sizes[i] < 0) {
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: invalid size %lld in dim %d",
                                (long long)sizes[i], (int)i);
        } else {
            known *= sizes[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || x->numel % known != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: cannot view %lld elements with -1 and the other sizes "
                                "multiplying to %lld",
                                (long long)x->numel, (long long)known);
        sizes[infer] = x->numel / known;
        known *= sizes[infer];
    }
    if (known != x->numel)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: cannot view a tensor of %lld elements as one of %lld",
                            (long long)x->numel, (long long)known);
    return pt2c_op_set_out(ctx, 0, x->dtype, p->size.n, sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* flatten                                                                                  */

typedef struct flatten_params {
    pt2c_iarg start, end;
} flatten_params;

pt2c_status pt2c_parse_flatten(pt2c_op_ctx *ctx, void **params) {
    flatten_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "start_dim", 0, &p->start));
    PT2C_TRY(pt2c_op_int(ctx, "end_dim", -1, &p->end));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_flatten(pt2c_op_ctx *ctx, void *params) {
    const flatten_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank == 0) {
        int64_t one = 1;
        return pt2c_op_set_out(ctx, 0, x->dtype, 1, &one);
    }
    int32_t s, e;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "start_dim", pt2c_op_iarg(ctx, &p->start), x->rank, &s));
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "end_dim", pt2c_op_iarg(ctx, &p->end), x->rank, &e));
    if (s > e)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: flatten start_dim %d is after end_dim %d",
                            (int)s, (int)e);
    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t d = 0; d < s; d++)
        sizes[r++] = x->sizes[d];
    int64_t n = 1;
    for (int32_t d = s; d <= e; d++)
        n *= x->sizes[d];
    sizes[r++] = n;
    for (int32_t d = e + 1; d < x->rank; d++)
        sizes[r++] = x->sizes[d];
    return pt2c_op_set_out(ctx, 0, x->dtype, r, sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* permute / t                                                                              */

enum { PERMUTE_DIMS, PERMUTE_T, PERMUTE_SWAP, PERMUTE_MOVEDIM };

typedef struct permute_params {
    pt2c_iarg_list dims;
    bool is_t;
    int mode;                    /* PERMUTE_*; is_t mirrors PERMUTE_T */
    pt2c_iarg a, b;              /* SWAP: the two dims; MOVEDIM: source, destination */
    int32_t perm[PT2C_MAX_RANK]; /* resolved at shape time */
} permute_params;

pt2c_status pt2c_parse_permute(pt2c_op_ctx *ctx, void **params) {
    permute_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "dims", NULL, 0, 0, &p->dims));
    if (!p->dims.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dims': missing");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_t(pt2c_op_ctx *ctx, void **params) {
    permute_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->is_t = true;
    p->mode = PERMUTE_T;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    *params = p;
    return PT2C_OK;
}

static pt2c_status parse_two_dims(pt2c_op_ctx *ctx, void **params, int mode, const char *na,
                                  const char *nb) {
    permute_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->mode = mode;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, na) || !pt2c_op_arg(ctx, nb))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing",
                            pt2c_op_arg(ctx, na) ? nb : na);
    PT2C_TRY(pt2c_op_int(ctx, na, 0, &p->a));
    PT2C_TRY(pt2c_op_int(ctx, nb, 0, &p->b));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_transpose(pt2c_op_ctx *ctx, void **params) {
    return parse_two_dims(ctx, params, PERMUTE_SWAP, "dim0", "dim1");
}

pt2c_status pt2c_parse_swapaxes(pt2c_op_ctx *ctx, void **params) {
    return parse_two_dims(ctx, params, PERMUTE_SWAP, "axis0", "axis1");
}

pt2c_status pt2c_parse_movedim(pt2c_op_ctx *ctx, void **params) {
    return parse_two_dims(ctx, params, PERMUTE_MOVEDIM, "source", "destination");
}

pt2c_status pt2c_shape_permute(pt2c_op_ctx *ctx, void *params) {
    permute_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (p->is_t) {
        if (x->rank > 2)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: t() expects at most 2 dims, got %d",
                                (int)x->rank);
        for (int32_t d = 0; d < x->rank; d++)
            p->perm[d] = x->rank - 1 - d;
    } else if (p->mode == PERMUTE_SWAP || p->mode == PERMUTE_MOVEDIM) {
        /* A 0-dim tensor accepts dims 0 / -1 and stays as it is. */
        int32_t a = 0, b = 0;
        PT2C_TRY(pt2c_op_wrap_dim(ctx, p->mode == PERMUTE_SWAP ? "dim0" : "source",
                                  pt2c_op_iarg(ctx, &p->a), x->rank, &a));
        PT2C_TRY(pt2c_op_wrap_dim(ctx, p->mode == PERMUTE_SWAP ? "dim1" : "destination",
                                  pt2c_op_iarg(ctx, &p->b), x->rank, &b));
        for (int32_t d = 0; d < x->rank; d++)
            p->perm[d] = d;
        if (x->rank > 0 && p->mode == PERMUTE_SWAP) {
            p->perm[a] = b;
            p->perm[b] = a;
        } else if (x->rank > 0) {
            /* The other dims in order, with source inserted at destination. */
            int32_t r = 0;
            for (int32_t d = 0; d < x->rank; d++) {
                if (r == b)
                    p->perm[r++] = a;
                if (d != a)
                    p->perm[r++] = d;
            }
            if (r == b)
                p->perm[r++] = a;
        }
    } else {
        if (p->dims.n != x->rank)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: permute got %d dims for a tensor of rank %d",
                                (int)p->dims.n, (int)x->rank);
        bool seen[PT2C_MAX_RANK] = {false};
        for (int32_t d = 0; d < x->rank; d++) {
            int32_t w;
            PT2C_TRY(
                pt2c_op_wrap_dim(ctx, "dims", pt2c_op_iarg(ctx, &p->dims.items[d]), x->rank, &w));
            if (seen[w])
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: permute repeats dim %d", (int)w);
            seen[w] = true;
            p->perm[d] = w;
        }
    }
    pt2c_layout in, out;
    pt2c_op_in_layout(ctx, 0, &in);
    pt2c_layout_permute(&in, p->perm, &out);
    return pt2c_op_set_view(ctx, 0, &out);
}

/* out[i0..ir] = x[index permuted back]: walk the output in order, step through the input by
 * its permuted strides. */
void pt2c_k_permute(const pt2c_kernel_args *args, int ith, int nth) {
    const permute_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int32_t r = x->rank;
    int64_t xstride[PT2C_MAX_RANK], ostr[PT2C_MAX_RANK];
    int64_t s = 1;
    for (int32_t d = r - 1; d >= 0; d--) {
        xstride[d] = s;
        s *= x->sizes[d];
    }
    for (int32_t d = 0; d < r; d++)
        ostr[d] = xstride[p->perm[d]];
    pt2c_copy_strided(out->data, x->data, r, out->sizes, ostr, pt2c_dtype_size(x->dtype), ith, nth);
}
