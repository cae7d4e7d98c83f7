/*
 * shape.c - view and copy ops. Order-keeping views are PT2C_OP_VIEW (the planner reshapes
 * the input's layout). The others are PT2C_OP_STRIDED: the shape function composes the
 * output's layout (ops/layout.h: out[i] = base[offset + sum(i_d * stride_d)], the
 * sizes/strides/offset PyTorch's own view would have) from the input's with
 * pt2c_op_in_layout / pt2c_op_set_view, and the planner aliases it or gathers it once where
 * a kernel needs it dense (runtime/plan.c, "Views"). Their params also keep the same view of
 * a dense self as a pt2c_strided map, which pt2c_k_strided / pt2c_k_split copy: the kernels
 * serve dense inputs (the op tests), not the planner. Below, st[d] are a dense self's strides.
 *
 * Aliases (same bytes, new sizes):
 *   unsqueeze(self, dim)            a size-1 dim inserted at dim (wrapped in [0, rank])
 *   squeeze(self) / .dim / .dims    size-1 dims removed (all, or those listed; others kept)
 *   alias, detach, detach_, contiguous(self)      identity
 *   _unsafe_view(self, size)        as view (view.c)
 *   unflatten.int(self, dim, sizes) dim split into sizes (one may be -1)
 *   view_as(self, other)            view(self, other.sizes)
 * Strided views (clone and lift_fresh_copy copy: pt2c_op_set_copy):
 *   clone(self), lift_fresh_copy(self)            out = self
 *   select.int(self, dim, index)    dim removed, offset index * st[dim]
 *   slice.Tensor(self, dim=0, start=None, end=None, step=1)
 *                                   start/end wrap once if negative, then clamp to
 *                                   [0, size] (end >= start); out size ceil((end-start)/step)
 *   narrow(self, dim, start, length)              slice(dim, start, start + length)
 *   expand(self, size) / expand_as(self, other)   -1 keeps a size; only size-1 dims grow
 *                                   (stride 0); new leading dims allowed
 *   repeat(self, repeats) / tile(self, dims)      out size r_d * s_d: iterate the pair
 *                                   (r_d with stride 0, s_d with st[d])
 *   flip(self, dims)                negative strides from the last element of each dim
 *   split.Tensor / split.sizes / split_with_sizes / chunk / unbind.int
 *                                   several outputs, each a slice along dim (unbind drops it)
 *   diagonal(self, offset=0, dim1=0, dim2=1)      dims dim1, dim2 removed, a last dim of
 *                                   stride st[dim1] + st[dim2] appended
 *   unfold(self, dimension, size, step)           windows: dim -> (n - size) / step + 1 of
 *                                   stride step * st[dim], new last dim of size `size`
 *   as_strided(self, size, stride, storage_offset=None)
 *                                   strides and offset in self's storage, as PyTorch: the
 *                                   tensor self is a view of (checked to stay inside it);
 *                                   the offset defaults to self's own
 *   slice_scatter(self, src, dim=0, start=None, end=None, step=1),
 *   select_scatter(self, src, dim, index)         out = self with the slice (selection)
 *                                   replaced by src (cast to self's dtype)
 */
#include "ops/op_decls.h"
#include "ops/shape_util.h"

#include <string.h>

static void *new_params(pt2c_op_ctx *ctx, size_t size) {
    void *p = pt2c_op_params(ctx, size);
    if (!p)
        pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    return p;
}

#define NEW_PARAMS(type, var)                                                                      \
    type *var = new_params(ctx, sizeof(type));                                                     \
    if (!var)                                                                                      \
        return PT2C_ERR_NOMEM;

/* ---------------------------------------------------------------------------------------- */
/* Identity aliases and plain copies                                                        */

pt2c_status pt2c_parse_identity(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    return pt2c_op_input(ctx, "self", NULL);
}

pt2c_status pt2c_shape_identity(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

/* clone / lift_fresh_copy: a dense copy of self, gathered by the planner straight from
 * self's layout (a clone of a permuted view is one copy, not two). */
pt2c_status pt2c_shape_clone(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    pt2c_layout in;
    pt2c_op_in_layout(ctx, 0, &in);
    return pt2c_op_set_copy(ctx, 0, &in);
}

/* out = in[0], byte for byte (shapes already agree). */
void pt2c_k_copy(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(out->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin < end)
        memcpy((uint8_t *)out->data + (size_t)begin * elem,
               (const uint8_t *)x->data + (size_t)begin * elem, (size_t)(end - begin) * elem);
}

/* ---------------------------------------------------------------------------------------- */
/* unsqueeze / squeeze                                                                      */

typedef struct unsqueeze_params {
    pt2c_iarg dim;
} unsqueeze_params;

pt2c_status pt2c_parse_unsqueeze(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(unsqueeze_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dim"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_unsqueeze(pt2c_op_ctx *ctx, void *params) {
    const unsqueeze_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank >= PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: unsqueeze of a rank-%d tensor (max %d)",
                            (int)x->rank, PT2C_MAX_RANK);
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank + 1, &d));
    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i == d)
            sizes[r++] = 1;
        sizes[r++] = x->sizes[i];
    }
    if (d == x->rank)
        sizes[r++] = 1;
    return pt2c_op_set_out(ctx, 0, x->dtype, r, sizes);
}

/* atleast_1d / _2d / _3d: a 0-d tensor becomes [1] / [1, 1] / [1, 1, 1], a 1-d [n] becomes
 * [1, n] / [1, n, 1], a 2-d [a, b] becomes [a, b, 1] (for 3d); higher ranks stay. Views. */
static pt2c_status shape_atleast(pt2c_op_ctx *ctx, int32_t want) {
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int64_t sizes[3] = {1, 1, 1};
    if (x->rank >= want)
        return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
    if (x->rank == 1)
        sizes[want == 1 ? 0 : 1] = x->sizes[0];
    else if (x->rank == 2) { /* want == 3 */
        sizes[0] = x->sizes[0];
        sizes[1] = x->sizes[1];
    }
    return pt2c_op_set_out(ctx, 0, x->dtype, want, sizes);
}

pt2c_status pt2c_shape_atleast_1d(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    return shape_atleast(ctx, 1);
}
pt2c_status pt2c_shape_atleast_2d(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    return shape_atleast(ctx, 2);
}
pt2c_status pt2c_shape_atleast_3d(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    return shape_atleast(ctx, 3);
}

typedef struct squeeze_params {
    pt2c_iarg_list dims; /* present=false: squeeze every size-1 dim */
} squeeze_params;

pt2c_status pt2c_parse_squeeze(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(squeeze_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "dim", NULL, 0, 0, &p->dims));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_squeeze(pt2c_op_ctx *ctx, void *params) {
    const squeeze_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    bool drop[PT2C_MAX_RANK] = {false};
    if (!p->dims.present) {
        for (int32_t d = 0; d < x->rank; d++)
            drop[d] = x->sizes[d] == 1;
    } else {
        for (int32_t k = 0; k < p->dims.n; k++) {
            int32_t d = 0;
            PT2C_TRY(
                pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dims.items[k]), x->rank, &d));
            /* Listed dims that are not of size 1 stay, as in PyTorch. */
            if (x->rank > 0 && x->sizes[d] == 1)
                drop[d] = true;
        }
    }
    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t d = 0; d < x->rank; d++)
        if (!drop[d])
            sizes[r++] = x->sizes[d];
    return pt2c_op_set_out(ctx, 0, x->dtype, r, sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* unflatten / view_as                                                                      */

typedef struct unflatten_params {
    pt2c_iarg dim;
    pt2c_iarg_list sizes;
} unflatten_params;

pt2c_status pt2c_parse_unflatten(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(unflatten_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_ints(ctx, "sizes", NULL, 0, 0, &p->sizes));
    if (!p->sizes.present || p->sizes.n == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'sizes': expected a non-empty list");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_unflatten(pt2c_op_ctx *ctx, void *params) {
    const unflatten_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    if (x->rank == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: unflatten of a 0-dim tensor");
    if (x->rank - 1 + p->sizes.n > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: unflatten to rank %d (max %d)",
                            (int)(x->rank - 1 + p->sizes.n), PT2C_MAX_RANK);
    int64_t parts[PT2C_MAX_RANK];
    int32_t infer = -1;
    int64_t known = 1;
    for (int32_t k = 0; k < p->sizes.n; k++) {
        parts[k] = pt2c_op_iarg(ctx, &p->sizes.items[k]);
        if (parts[k] == -1) {
            if (infer >= 0)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: argument 'sizes': only one entry can be -1");
            infer = k;
        } else if (parts[k] < 0) {
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: argument 'sizes': invalid size %lld",
                                (long long)parts[k]);
        } else {
            known *= parts[k];
        }
    }
    if (infer >= 0) {
        if (known == 0 || x->sizes[d] % known != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: unflatten cannot split size %lld with sizes multiplying "
                                "to %lld",
                                (long long)x->sizes[d], (long long)known);
        parts[infer] = x->sizes[d] / known;
        known *= parts[infer];
    }
    if (known != x->sizes[d])
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: unflatten sizes multiply to %lld, dim %d has size %lld",
                            (long long)known, (int)d, (long long)x->sizes[d]);
    int64_t sizes[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i != d) {
            sizes[r++] = x->sizes[i];
            continue;
        }
        for (int32_t k = 0; k < p->sizes.n; k++)
            sizes[r++] = parts[k];
    }
    return pt2c_op_set_out(ctx, 0, x->dtype, r, sizes);
}

pt2c_status pt2c_parse_view_as(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    return pt2c_op_input(ctx, "other", NULL);
}

pt2c_status pt2c_shape_view_as(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *other = pt2c_op_in(ctx, 1);
    if (x->numel != other->numel)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: view_as: self has %lld elements, other has %lld",
                            (long long)x->numel, (long long)other->numel);
    return pt2c_op_set_out(ctx, 0, x->dtype, other->rank, other->sizes);
}

/* ---------------------------------------------------------------------------------------- */
/* Strided copies: one kernel for every op whose params start with a pt2c_strided          */

/* out = self through the map computed by the shape function. */
void pt2c_k_strided(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_strided *m = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    pt2c_strided_copy(m, x->data, out->data, pt2c_dtype_size(out->dtype), begin, end);
}

/* The map of a dense tensor: sizes and row-major strides, offset 0. */
static void map_of(const pt2c_ktensor *x, pt2c_strided *m) {
    memset(m, 0, sizeof *m);
    m->rank = x->rank;
    for (int32_t d = 0; d < x->rank; d++)
        m->sizes[d] = x->sizes[d];
    pt2c_contig_strides(x->rank, x->sizes, m->strides);
}

/* Set output 0 to the map's sizes (before simplification) and simplify the map. */
static pt2c_status finish_map(pt2c_op_ctx *ctx, pt2c_strided *m, pt2c_dtype dtype) {
    PT2C_TRY(pt2c_op_set_out(ctx, 0, dtype, m->rank, m->sizes));
    pt2c_strided_simplify(m);
    return PT2C_OK;
}

/* Input 0's layout twice: as a dense tensor (for the kernel's map) and as the planner has
 * it (a view of a view composes). */
static void in_layouts(pt2c_op_ctx *ctx, pt2c_layout *dense, pt2c_layout *real) {
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_layout_dense(dense, x->rank, x->sizes);
    pt2c_op_in_layout(ctx, 0, real);
}

/* Output 0 is the view `real` for the planner; the kernel's map is the same view of a dense
 * input, simplified. */
static pt2c_status finish_view(pt2c_op_ctx *ctx, const pt2c_layout *of_dense,
                               const pt2c_layout *real, pt2c_strided *m) {
    memset(m, 0, sizeof *m);
    m->rank = of_dense->rank;
    for (int32_t d = 0; d < m->rank; d++) {
        m->sizes[d] = of_dense->sizes[d];
        m->strides[d] = of_dense->strides[d];
    }
    m->offset = of_dense->offset;
    PT2C_TRY(pt2c_op_set_view(ctx, 0, real));
    pt2c_strided_simplify(m);
    return PT2C_OK;
}

/* select.int(self, dim, index) -------------------------------------------------------------- */

typedef struct select_params {
    pt2c_strided map; /* first: read by pt2c_k_strided */
    pt2c_iarg dim, index;
} select_params;

pt2c_status pt2c_parse_select(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(select_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dim") || !pt2c_op_arg(ctx, "index"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing",
                            pt2c_op_arg(ctx, "dim") ? "index" : "dim");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_int(ctx, "index", 0, &p->index));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_select(pt2c_op_ctx *ctx, void *params) {
    select_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: select() cannot be applied to a 0-dim "
                            "tensor");
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    int64_t size = x->sizes[d], index = pt2c_op_iarg(ctx, &p->index);
    if (index < -size || index >= size)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: select(): index %lld out of range for size %lld at dim %d",
                            (long long)index, (long long)size, (int)d);
    if (index < 0)
        index += size;
    pt2c_layout dense, real, a, b;
    in_layouts(ctx, &dense, &real);
    pt2c_layout_select(&dense, d, index, &a);
    pt2c_layout_select(&real, d, index, &b);
    return finish_view(ctx, &a, &b, &p->map);
}

/* slice.Tensor / narrow --------------------------------------------------------------------- */

typedef struct slice_params {
    pt2c_strided map; /* first: read by pt2c_k_strided */
    pt2c_iarg dim, start, end, step;
    bool has_start, has_end;
    bool narrow; /* end holds the length */
    int scatter; /* SCATTER_*: slice_scatter / select_scatter write src into a copy of self */
    /* shape time, scatters: self as [outer, size, inner] around d; src fills rows
     * first, first + step, ... (count of them) */
    int64_t outer, size, inner, first, count, stride;
} slice_params;

enum { SCATTER_NONE, SCATTER_SLICE, SCATTER_SELECT };

pt2c_status pt2c_parse_slice(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(slice_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_optional_int(ctx, "start", &p->has_start, &p->start));
    PT2C_TRY(pt2c_op_optional_int(ctx, "end", &p->has_end, &p->end));
    PT2C_TRY(pt2c_op_int(ctx, "step", 1, &p->step));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_narrow(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(slice_params, p);
    p->narrow = true;
    p->has_start = p->has_end = true;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dim") || !pt2c_op_arg(ctx, "start") || !pt2c_op_arg(ctx, "length"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "narrow: arguments 'dim', 'start' and 'length' are required");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_int(ctx, "start", 0, &p->start));
    PT2C_TRY(pt2c_op_int(ctx, "length", 0, &p->end));
    p->step = (pt2c_iarg){1, -1};
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_slice_scatter(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(slice_params, p);
    p->scatter = SCATTER_SLICE;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "src", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_optional_int(ctx, "start", &p->has_start, &p->start));
    PT2C_TRY(pt2c_op_optional_int(ctx, "end", &p->has_end, &p->end));
    PT2C_TRY(pt2c_op_int(ctx, "step", 1, &p->step));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_select_scatter(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(slice_params, p);
    p->scatter = SCATTER_SELECT;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "src", NULL));
    if (!pt2c_op_arg(ctx, "dim") || !pt2c_op_arg(ctx, "index"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing",
                            pt2c_op_arg(ctx, "dim") ? "index" : "dim");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_int(ctx, "index", 0, &p->start));
    p->step = (pt2c_iarg){1, -1};
    *params = p;
    return PT2C_OK;
}

/* The rows [start, start + count * step) along d that the slice / narrow / select covers. */
static pt2c_status resolve_slice(pt2c_op_ctx *ctx, const slice_params *p, const pt2c_ktensor *x,
                                 int32_t *d, int64_t *first, int64_t *count, int64_t *step_out) {
    const char *op = p->narrow                      ? "narrow"
                     : p->scatter == SCATTER_SELECT ? "select_scatter"
                     : p->scatter == SCATTER_SLICE  ? "slice_scatter"
                                                    : "slice";
    if (x->rank == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s() cannot be applied to a 0-dim tensor",
                            op);
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, d));
    int64_t size = x->sizes[*d];
    int64_t step = pt2c_op_iarg(ctx, &p->step);
    int64_t start = p->has_start || p->scatter == SCATTER_SELECT ? pt2c_op_iarg(ctx, &p->start) : 0;
    int64_t end;
    if (p->scatter == SCATTER_SELECT) {
        if (start < -size || start >= size)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: select_scatter(): index %lld out of range for size %lld",
                                (long long)start, (long long)size);
        if (start < 0)
            start += size;
        end = start + 1;
    } else if (p->narrow) {
        int64_t length = pt2c_op_iarg(ctx, &p->end);
        if (start < -size || start > size)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: narrow(): start %lld out of range for size %lld",
                                (long long)start, (long long)size);
        if (start < 0)
            start += size;
        if (length < 0 || start > size - length)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: narrow(): start %lld + length %lld exceeds size %lld",
                                (long long)start, (long long)length, (long long)size);
        end = start + length;
    } else {
        if (step <= 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s step must be positive, found %lld",
                                op, (long long)step);
        end = p->has_end ? pt2c_op_iarg(ctx, &p->end) : INT64_MAX;
        /* PyTorch: wrap each bound once, then clamp start to [0, size], end to [start, size]. */
        if (start < 0)
            start += size;
        if (end < 0)
            end += size;
        if (start < 0)
            start = 0;
        else if (start > size)
            start = size;
        if (end < start)
            end = start;
        else if (end > size)
            end = size;
    }
    *first = start;
    *count = (end - start + step - 1) / step;
    *step_out = step;
    return PT2C_OK;
}

pt2c_status pt2c_shape_slice(pt2c_op_ctx *ctx, void *params) {
    slice_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int32_t d = 0;
    int64_t start = 0, count = 0, step = 1;
    PT2C_TRY(resolve_slice(ctx, p, x, &d, &start, &count, &step));
    pt2c_layout dense, real, a, b;
    in_layouts(ctx, &dense, &real);
    pt2c_layout_slice(&dense, d, start, count, step, &a);
    pt2c_layout_slice(&real, d, start, count, step, &b);
    return finish_view(ctx, &a, &b, &p->map);
}

pt2c_status pt2c_shape_slice_scatter(pt2c_op_ctx *ctx, void *params) {
    slice_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *src = pt2c_op_in(ctx, 1);
    int32_t d = 0;
    PT2C_TRY(resolve_slice(ctx, p, x, &d, &p->first, &p->count, &p->stride));
    /* src must have the shape of the slice (select: without dim d). */
    int64_t want[PT2C_MAX_RANK];
    int32_t r = 0;
    for (int32_t k = 0; k < x->rank; k++) {
        if (k == d && p->scatter == SCATTER_SELECT)
            continue;
        want[r++] = k == d ? p->count : x->sizes[k];
    }
    bool same = src->rank == r;
    for (int32_t k = 0; same && k < r; k++)
        same = src->sizes[k] == want[k];
    if (!same)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: src has %d dims and does not match the shape of the "
                            "%s it replaces",
                            (int)src->rank, p->scatter == SCATTER_SELECT ? "selection" : "slice");
    if (src->dtype != x->dtype &&
        (!pt2c_dtype_castable(src->dtype) || !pt2c_dtype_castable(x->dtype)))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: cannot convert src %s to %s",
                            pt2c_dtype_name(src->dtype), pt2c_dtype_name(x->dtype));
    p->outer = p->inner = 1;
    for (int32_t k = 0; k < d; k++)
        p->outer *= x->sizes[k];
    for (int32_t k = d + 1; k < x->rank; k++)
        p->inner *= x->sizes[k];
    p->size = x->sizes[d];
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

/* out viewed as [outer, size, inner]: row (o, j) comes from src row (o, (j - first) / step)
 * when j is one of the replaced rows, else from self. */
void pt2c_k_slice_scatter(const pt2c_kernel_args *args, int ith, int nth) {
    const slice_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *src = args->in[1];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(out->dtype), selem = pt2c_dtype_size(src->dtype);
    int64_t inner = p->inner;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    int64_t i = begin;
    while (i < end && inner > 0) {
        int64_t row = i / inner, col = i % inner;
        int64_t o = row / p->size, j = row % p->size;
        int64_t run = inner - col < end - i ? inner - col : end - i;
        uint8_t *dst = (uint8_t *)out->data + (size_t)i * elem;
        int64_t rel = j - p->first;
        if (rel >= 0 && rel % p->stride == 0 && rel / p->stride < p->count) {
            int64_t s = (o * p->count + rel / p->stride) * inner + col;
            pt2c_cast_run(dst, out->dtype, (const uint8_t *)src->data + (size_t)s * selem,
                          src->dtype, run);
        } else {
            memcpy(dst, (const uint8_t *)x->data + (size_t)i * elem, (size_t)run * elem);
        }
        i += run;
    }
}

/* as_strided / diagonal / unfold: the map PyTorch's view would have on a dense self -------- */

enum { STRIDED_AS, STRIDED_DIAGONAL, STRIDED_UNFOLD };

typedef struct view_map_params {
    pt2c_strided map; /* first: read by pt2c_k_strided */
    int kind;
    pt2c_iarg_list size, stride; /* as_strided */
    bool has_offset;
    pt2c_iarg a, b, c; /* as_strided: storage_offset; diagonal: offset, dim1, dim2;
                          unfold: dimension, size, step */
} view_map_params;

pt2c_status pt2c_parse_as_strided(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(view_map_params, p);
    p->kind = STRIDED_AS;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "size", NULL, 0, 0, &p->size));
    PT2C_TRY(pt2c_op_ints(ctx, "stride", NULL, 0, 0, &p->stride));
    if (!p->size.present || !p->stride.present || p->size.n != p->stride.n)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "arguments 'size' and 'stride': expected two lists of equal length");
    PT2C_TRY(pt2c_op_optional_int(ctx, "storage_offset", &p->has_offset, &p->a));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_diagonal(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(view_map_params, p);
    p->kind = STRIDED_DIAGONAL;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "offset", 0, &p->a));
    PT2C_TRY(pt2c_op_int(ctx, "dim1", 0, &p->b));
    PT2C_TRY(pt2c_op_int(ctx, "dim2", 1, &p->c));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_unfold(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(view_map_params, p);
    p->kind = STRIDED_UNFOLD;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dimension") || !pt2c_op_arg(ctx, "size") || !pt2c_op_arg(ctx, "step"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT,
                            "unfold: arguments 'dimension', 'size' and 'step' are required");
    PT2C_TRY(pt2c_op_int(ctx, "dimension", 0, &p->a));
    PT2C_TRY(pt2c_op_int(ctx, "size", 0, &p->b));
    PT2C_TRY(pt2c_op_int(ctx, "step", 1, &p->c));
    *params = p;
    return PT2C_OK;
}

static pt2c_status shape_as_strided(pt2c_op_ctx *ctx, view_map_params *p, const pt2c_ktensor *x) {
    (void)x;
    pt2c_strided *m = &p->map;
    if (p->size.n > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: as_strided to rank %d (max %d)",
                            (int)p->size.n, PT2C_MAX_RANK);
    /* Sizes and strides address self's storage, from its storage offset unless one is
     * given: check the reach stays inside that storage. */
    pt2c_layout st;
    int64_t storage_numel;
    pt2c_op_in_storage_layout(ctx, &st, &storage_numel);
    pt2c_layout real;
    real.rank = p->size.n;
    real.offset = p->has_offset ? pt2c_op_iarg(ctx, &p->a) : st.offset;
    int64_t lo = real.offset, hi = real.offset;
    bool empty = false;
    for (int32_t d = 0; d < real.rank; d++) {
        real.sizes[d] = pt2c_op_iarg(ctx, &p->size.items[d]);
        real.strides[d] = pt2c_op_iarg(ctx, &p->stride.items[d]);
        if (real.sizes[d] < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: as_strided: negative size %lld",
                                (long long)real.sizes[d]);
        if (real.strides[d] < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: as_strided: negative stride %lld",
                                (long long)real.strides[d]);
        empty = empty || real.sizes[d] == 0;
        if (real.sizes[d] > 0)
            hi += (real.sizes[d] - 1) * real.strides[d];
    }
    if (!empty && (lo < 0 || hi >= storage_numel))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: as_strided reaches elements [%lld, %lld] of a storage of %lld",
                            (long long)lo, (long long)hi, (long long)storage_numel);
    /* The kernel's map: a dense self is its own storage. */
    memset(m, 0, sizeof *m);
    m->rank = real.rank;
    for (int32_t d = 0; d < real.rank; d++) {
        m->sizes[d] = real.sizes[d];
        m->strides[d] = real.strides[d];
    }
    m->offset = p->has_offset ? real.offset : 0;
    PT2C_TRY(pt2c_op_set_storage_view(ctx, 0, &real));
    pt2c_strided_simplify(m);
    return PT2C_OK;
}

pt2c_status pt2c_shape_view_map(pt2c_op_ctx *ctx, void *params) {
    view_map_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_strided *m = &p->map;
    memset(m, 0, sizeof *m);
    if (p->kind == STRIDED_AS)
        return shape_as_strided(ctx, p, x);
    pt2c_layout dense, real, a, b;
    in_layouts(ctx, &dense, &real);
    if (p->kind == STRIDED_DIAGONAL) {
        int32_t d1 = 0, d2 = 0;
        PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim1", pt2c_op_iarg(ctx, &p->b), x->rank, &d1));
        PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim2", pt2c_op_iarg(ctx, &p->c), x->rank, &d2));
        if (x->rank < 2 || d1 == d2)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: diagonal needs two distinct dims of a tensor of rank "
                                ">= 2");
        int64_t off = pt2c_op_iarg(ctx, &p->a), n;
        /* Elements (i, i + off) for off >= 0, (i - off, i) otherwise. */
        if (off >= 0)
            n = x->sizes[d1] < x->sizes[d2] - off ? x->sizes[d1] : x->sizes[d2] - off;
        else
            n = x->sizes[d1] + off < x->sizes[d2] ? x->sizes[d1] + off : x->sizes[d2];
        if (n < 0)
            n = 0;
        pt2c_layout_diagonal(&dense, d1, d2, off, n, &a);
        pt2c_layout_diagonal(&real, d1, d2, off, n, &b);
        return finish_view(ctx, &a, &b, m);
    }
    /* unfold(dimension, size, step): dim d becomes (size_d - size) / step + 1 windows, and a
     * new last dim of `size` walks inside a window. */
    int32_t d = 0;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dimension", pt2c_op_iarg(ctx, &p->a), x->rank, &d));
    int64_t win = pt2c_op_iarg(ctx, &p->b), step = pt2c_op_iarg(ctx, &p->c);
    int64_t dsize = x->rank > 0 ? x->sizes[d] : 1;
    if (win < 0 || win > dsize || step <= 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: unfold: size %lld and step %lld do not fit a dim of size %lld",
                            (long long)win, (long long)step, (long long)dsize);
    if (x->rank + 1 > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: unfold of a rank-%d tensor", (int)x->rank);
    pt2c_layout_unfold(&dense, d, win, step, &a);
    pt2c_layout_unfold(&real, d, win, step, &b);
    return finish_view(ctx, &a, &b, m);
}

/* expand / expand_as ------------------------------------------------------------------------ */

typedef struct expand_params {
    pt2c_strided map; /* first: read by pt2c_k_strided */
    pt2c_iarg_list size;
    bool as_other; /* expand_as: sizes from input 1 */
} expand_params;

pt2c_status pt2c_parse_expand(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(expand_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "size", NULL, 0, 0, &p->size));
    if (!p->size.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'size': missing");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_expand_as(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(expand_params, p);
    p->as_other = true;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "other", NULL));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_expand(pt2c_op_ctx *ctx, void *params) {
    expand_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int64_t want[PT2C_MAX_RANK];
    int32_t r = 0;
    if (p->as_other) {
        const pt2c_ktensor *other = pt2c_op_in(ctx, 1);
        r = other->rank;
        for (int32_t d = 0; d < r; d++)
            want[d] = other->sizes[d];
    } else {
        r = p->size.n;
        if (r > PT2C_MAX_RANK)
            return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: expand to rank %d (max %d)", (int)r,
                                PT2C_MAX_RANK);
        for (int32_t d = 0; d < r; d++)
            want[d] = pt2c_op_iarg(ctx, &p->size.items[d]);
    }
    if (r < x->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: expand: %d sizes given for a tensor of rank %d, expected at "
                            "least %d",
                            (int)r, (int)x->rank, (int)x->rank);
    int64_t xst[PT2C_MAX_RANK];
    pt2c_contig_strides(x->rank, x->sizes, xst);
    pt2c_strided *m = &p->map;
    memset(m, 0, sizeof *m);
    m->rank = r;
    for (int32_t d = 0; d < r; d++) {
        int32_t xd = d - (r - x->rank);
        int64_t s = want[d];
        if (xd < 0) {
            if (s < 0)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: expand: size %lld is not allowed in a new leading "
                                    "dim %d",
                                    (long long)s, (int)d);
            m->sizes[d] = s;
            m->strides[d] = 0;
            continue;
        }
        if (s == -1)
            s = x->sizes[xd];
        if (s != x->sizes[xd] && x->sizes[xd] != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: expand: size %lld does not match size %lld in dim %d "
                                "(only size-1 dims expand)",
                                (long long)s, (long long)x->sizes[xd], (int)d);
        if (s < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: expand: invalid size %lld in dim %d",
                                (long long)s, (int)d);
        m->sizes[d] = s;
        m->strides[d] = s == x->sizes[xd] ? xst[xd] : 0;
    }
    pt2c_layout dense, real, a, b;
    in_layouts(ctx, &dense, &real);
    pt2c_layout_expand(&dense, r, m->sizes, &a);
    pt2c_layout_expand(&real, r, m->sizes, &b);
    return finish_view(ctx, &a, &b, m);
}

/* repeat / tile ----------------------------------------------------------------------------- */

typedef struct repeat_params {
    pt2c_strided map; /* first: read by pt2c_k_strided */
    pt2c_iarg_list reps;
    bool tile; /* fewer entries than dims allowed: leading 1s */
} repeat_params;

static pt2c_status parse_repeat_common(pt2c_op_ctx *ctx, void **params, const char *name,
                                       bool tile) {
    NEW_PARAMS(repeat_params, p);
    p->tile = tile;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, name, NULL, 0, 0, &p->reps));
    if (!p->reps.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument '%s': missing", name);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_repeat(pt2c_op_ctx *ctx, void **params) {
    return parse_repeat_common(ctx, params, "repeats", false);
}

pt2c_status pt2c_parse_tile(pt2c_op_ctx *ctx, void **params) {
    return parse_repeat_common(ctx, params, "dims", true);
}

pt2c_status pt2c_shape_repeat(pt2c_op_ctx *ctx, void *params) {
    repeat_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    int32_t n = p->reps.n;
    if (!p->tile && n < x->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: repeat: %d repeats for a tensor of rank %d, expected at "
                            "least %d",
                            (int)n, (int)x->rank, (int)x->rank);
    int32_t r = n > x->rank ? n : x->rank;
    if (r > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: repeat to rank %d (max %d)", (int)r,
                            PT2C_MAX_RANK);
    int64_t xst[PT2C_MAX_RANK], out[PT2C_MAX_RANK];
    pt2c_contig_strides(x->rank, x->sizes, xst);
    pt2c_strided *m = &p->map;
    memset(m, 0, sizeof *m);
    m->rank = 2 * r;
    for (int32_t d = 0; d < r; d++) {
        int32_t k = d - (r - n), xd = d - (r - x->rank); /* aligned at the trailing dim */
        int64_t rep = k >= 0 ? pt2c_op_iarg(ctx, &p->reps.items[k]) : 1;
        if (rep < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: repeat: negative repeat count %lld in dim %d",
                                (long long)rep, (int)d);
        int64_t s = xd >= 0 ? x->sizes[xd] : 1;
        m->sizes[2 * d] = rep;
        m->strides[2 * d] = 0;
        m->sizes[2 * d + 1] = s;
        m->strides[2 * d + 1] = xd >= 0 ? xst[xd] : 0;
        out[d] = rep * s;
    }
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, r, out));
    pt2c_strided_simplify(m);
    return PT2C_OK;
}

/* flip -------------------------------------------------------------------------------------- */

typedef struct flip_params {
    pt2c_strided map; /* first: read by pt2c_k_strided */
    pt2c_iarg_list dims;
} flip_params;

pt2c_status pt2c_parse_flip(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(flip_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "dims", NULL, 0, 0, &p->dims));
    if (!p->dims.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dims': missing");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_flip(pt2c_op_ctx *ctx, void *params) {
    flip_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    pt2c_strided *m = &p->map;
    map_of(x, m);
    bool seen[PT2C_MAX_RANK] = {false};
    for (int32_t k = 0; k < p->dims.n; k++) {
        int32_t d = 0;
        PT2C_TRY(pt2c_op_wrap_dim(ctx, "dims", pt2c_op_iarg(ctx, &p->dims.items[k]), x->rank, &d));
        if (x->rank == 0)
            continue;
        if (seen[d])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: flip: dim %d appears twice", (int)d);
        seen[d] = true;
        if (m->sizes[d] > 0)
            m->offset += (m->sizes[d] - 1) * m->strides[d];
        m->strides[d] = -m->strides[d];
    }
    return finish_map(ctx, m, x->dtype);
}

/* ---------------------------------------------------------------------------------------- */
/* split / split_with_sizes / chunk / unbind / tensor_split / hsplit, vsplit, dsplit (and    */
/* the unsafe_ twins, which differ only in autograd): one output per piece                  */
/*                                                                                          */
/*   tensor_split(sections n)   n pieces, the first size % n of them one longer             */
/*   tensor_split(indices)      pieces between the indices, as Python slices of them        */
/*   hsplit / vsplit / dsplit   tensor_split along dim 1 (0 for 1-D) / 0 / 2; an int must    */
/*                              divide the size                                              */

enum {
    SPLIT_SIZE,
    SPLIT_SIZES,
    SPLIT_CHUNK,
    SPLIT_UNBIND,
    SPLIT_SECTIONS, /* tensor_split.sections */
    SPLIT_INDICES,  /* tensor_split.indices, [hvd]split.array */
    SPLIT_EVEN      /* [hvd]split.int: sections that must divide the size */
};

typedef struct split_params {
    int kind;
    pt2c_iarg dim;
    int axis;             /* hsplit 1, vsplit 0, dsplit 2: the dim, else -1 (from "dim") */
    pt2c_iarg size;       /* SPLIT_SIZE: piece size; SPLIT_CHUNK, _SECTIONS, _EVEN: count */
    pt2c_iarg_list sizes; /* SPLIT_SIZES: sizes; SPLIT_INDICES: the indices */
    int32_t n_out;        /* outputs the node lists */
    int32_t d;            /* resolved dim */
    int64_t *start;       /* n_out: first index along d of each piece (arena) */
} split_params;

static pt2c_status parse_split_common(pt2c_op_ctx *ctx, void **params, int kind, int axis) {
    NEW_PARAMS(split_params, p);
    p->kind = kind;
    p->axis = axis;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    if (kind == SPLIT_SECTIONS || kind == SPLIT_EVEN) {
        if (!pt2c_op_arg(ctx, "sections"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'sections': missing");
        PT2C_TRY(pt2c_op_int(ctx, "sections", 0, &p->size));
    } else if (kind == SPLIT_INDICES) {
        PT2C_TRY(pt2c_op_ints(ctx, "indices", NULL, 0, 0, &p->sizes));
        if (!p->sizes.present)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'indices': missing");
    } else if (kind == SPLIT_SIZE) {
        if (!pt2c_op_arg(ctx, "split_size"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'split_size': missing");
        PT2C_TRY(pt2c_op_int(ctx, "split_size", 0, &p->size));
    } else if (kind == SPLIT_CHUNK) {
        if (!pt2c_op_arg(ctx, "chunks"))
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'chunks': missing");
        PT2C_TRY(pt2c_op_int(ctx, "chunks", 0, &p->size));
    } else if (kind == SPLIT_SIZES) {
        const char *name = pt2c_op_arg(ctx, "split_sizes") ? "split_sizes" : "split_size";
        PT2C_TRY(pt2c_op_ints(ctx, name, NULL, 0, 0, &p->sizes));
        if (!p->sizes.present)
            return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'split_sizes': missing");
    }
    /* The node lists one output per piece (a Tensor[] result). */
    const pt2c_node *node = pt2c_op_node(ctx);
    int64_t n = 0;
    for (int32_t i = 0; i < node->n_outputs; i++)
        n += node->outputs[i].kind == PT2C_ARG_TENSORS ? node->outputs[i].n_items : 1;
    if (n > INT32_MAX / 2)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "plan: %lld outputs is too many", (long long)n);
    p->n_out = (int32_t)n;
    p->start = PT2C_ARENA_ARRAY(pt2c_op_arena(ctx), int64_t, n ? n : 1);
    if (!p->start)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_split(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_SIZE, -1);
}
pt2c_status pt2c_parse_split_with_sizes(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_SIZES, -1);
}
pt2c_status pt2c_parse_chunk(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_CHUNK, -1);
}
pt2c_status pt2c_parse_unbind(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_UNBIND, -1);
}
pt2c_status pt2c_parse_tensor_split_sections(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_SECTIONS, -1);
}
pt2c_status pt2c_parse_tensor_split_indices(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_INDICES, -1);
}
pt2c_status pt2c_parse_hsplit_int(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_EVEN, 1);
}
pt2c_status pt2c_parse_hsplit_array(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_INDICES, 1);
}
pt2c_status pt2c_parse_vsplit_int(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_EVEN, 0);
}
pt2c_status pt2c_parse_vsplit_array(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_INDICES, 0);
}
pt2c_status pt2c_parse_dsplit_int(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_EVEN, 2);
}
pt2c_status pt2c_parse_dsplit_array(pt2c_op_ctx *ctx, void **params) {
    return parse_split_common(ctx, params, SPLIT_INDICES, 2);
}

/* The dim of hsplit / vsplit / dsplit, checked as PyTorch does. */
static pt2c_status axis_dim(pt2c_op_ctx *ctx, split_params *p, int32_t rank) {
    static const char *const names[3] = {"vsplit", "hsplit", "dsplit"};
    int32_t need = p->axis == 1 ? 1 : p->axis + 1; /* hsplit takes 1-D (along dim 0) */
    if (rank < need)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s needs a tensor of at least %d dims, found %d",
                            names[p->axis], (int)need, (int)rank);
    p->d = p->axis == 1 && rank == 1 ? 0 : p->axis;
    return PT2C_OK;
}

static pt2c_status check_pieces(pt2c_op_ctx *ctx, const split_params *p, int64_t n) {
    if (n != p->n_out)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: the input splits into %lld pieces, the node lists %d outputs",
                            (long long)n, (int)p->n_out);
    return PT2C_OK;
}

/* Output k: the piece [start, start + len) along d of self's layout (unbind: dim d
 * removed at start). */
static pt2c_status piece_view(pt2c_op_ctx *ctx, const split_params *p, int64_t k, int64_t start,
                              int64_t len) {
    pt2c_layout in, out;
    pt2c_op_in_layout(ctx, 0, &in);
    if (p->kind == SPLIT_UNBIND)
        pt2c_layout_select(&in, p->d, start, &out);
    else
        pt2c_layout_slice(&in, p->d, start, len, 1, &out);
    return pt2c_op_set_view(ctx, (int32_t)k, &out);
}

pt2c_status pt2c_shape_split(pt2c_op_ctx *ctx, void *params) {
    split_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: cannot split a 0-dim tensor");
    if (p->axis >= 0)
        PT2C_TRY(axis_dim(ctx, p, x->rank));
    else
        PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &p->d));
    int64_t size = x->sizes[p->d];
    if (p->kind == SPLIT_INDICES) {
        /* Piece k is self[indices[k-1]:indices[k]] along d, with Python's slice rules. */
        PT2C_TRY(check_pieces(ctx, p, (int64_t)p->sizes.n + 1));
        int64_t at = 0;
        for (int32_t k = 0; k <= p->sizes.n; k++) {
            int64_t end = size;
            if (k < p->sizes.n) {
                end = pt2c_op_iarg(ctx, &p->sizes.items[k]);
                end = end < 0 ? end + size : end;
                end = end < 0 ? 0 : end > size ? size : end;
            }
            int64_t len = end > at ? end - at : 0;
            p->start[k] = at;
            PT2C_TRY(piece_view(ctx, p, k, at, len));
            at = end;
        }
        return PT2C_OK;
    }
    if (p->kind == SPLIT_SECTIONS || p->kind == SPLIT_EVEN) {
        int64_t n = pt2c_op_iarg(ctx, &p->size);
        if (n <= 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: the number of sections must be greater than 0, found %lld",
                                (long long)n);
        if (p->kind == SPLIT_EVEN && size % n != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: cannot split dim %d of size %lld into %lld equal sections",
                                (int)p->d, (long long)size, (long long)n);
        PT2C_TRY(check_pieces(ctx, p, n));
        int64_t at = 0;
        for (int64_t k = 0; k < n; k++) {
            int64_t len = size / n + (k < size % n ? 1 : 0);
            p->start[k] = at;
            PT2C_TRY(piece_view(ctx, p, k, at, len));
            at += len;
        }
        return PT2C_OK;
    }
    if (p->kind == SPLIT_UNBIND) {
        PT2C_TRY(check_pieces(ctx, p, size));
        for (int64_t k = 0; k < size; k++) {
            p->start[k] = k;
            PT2C_TRY(piece_view(ctx, p, k, k, 1));
        }
        return PT2C_OK;
    }
    if (p->kind == SPLIT_SIZES) {
        PT2C_TRY(check_pieces(ctx, p, p->sizes.n));
        int64_t at = 0;
        for (int32_t k = 0; k < p->sizes.n; k++) {
            int64_t len = pt2c_op_iarg(ctx, &p->sizes.items[k]);
            if (len < 0 || len > size - at)
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: split sizes exceed size %lld of dim %d (piece %d has "
                                    "size %lld)",
                                    (long long)size, (int)p->d, (int)k, (long long)len);
            p->start[k] = at;
            PT2C_TRY(piece_view(ctx, p, k, at, len));
            at += len;
        }
        if (at != size)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: split sizes sum to %lld, dim %d has size %lld",
                                (long long)at, (int)p->d, (long long)size);
        return PT2C_OK;
    }
    int64_t piece = pt2c_op_iarg(ctx, &p->size);
    if (p->kind == SPLIT_CHUNK) {
        if (piece <= 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: chunk expects 'chunks' greater than 0, found %lld",
                                (long long)piece);
        if (size == 0) {
            /* PyTorch splits an empty dim into `chunks` empty pieces. */
            PT2C_TRY(check_pieces(ctx, p, piece));
            for (int64_t k = 0; k < piece; k++) {
                p->start[k] = 0;
                PT2C_TRY(piece_view(ctx, p, k, 0, 0));
            }
            return PT2C_OK;
        }
        piece = (size + piece - 1) / piece; /* ceil(size / chunks) */
    } else if (piece < 0) {
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: split expects a non-negative split_size, found %lld",
                            (long long)piece);
    }
    if (piece == 0 && size != 0 && p->kind == SPLIT_SIZE)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: split_size 0 can only split a dim of size 0 (found %lld)",
                            (long long)size);
    /* PyTorch: max(ceil(size / piece), 1) pieces, the last one possibly smaller. */
    int64_t n = piece == 0 ? 1 : (size + piece - 1) / piece;
    if (n < 1)
        n = 1;
    PT2C_TRY(check_pieces(ctx, p, n));
    for (int64_t k = 0; k < n; k++) {
        int64_t at = k * piece;
        int64_t len = size - at < piece ? size - at : piece;
        p->start[k] = at;
        PT2C_TRY(piece_view(ctx, p, k, at, len));
    }
    return PT2C_OK;
}

/* Each output k: self restricted to [start[k], start[k] + len) along d (unbind: len 1, and
 * the removed size-1 dim does not change the element order). */
void pt2c_k_split(const pt2c_kernel_args *args, int ith, int nth) {
    const split_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    for (int32_t k = 0; k < args->n_out; k++) {
        pt2c_ktensor *out = args->out[k];
        if (!out || out->numel == 0)
            continue;
        pt2c_strided m;
        map_of(x, &m);
        m.offset = p->start[k] * m.strides[p->d];
        m.sizes[p->d] = p->kind == SPLIT_UNBIND ? 1 : out->sizes[p->d];
        pt2c_strided_simplify(&m);
        int64_t begin, end;
        pt2c_split_range(out->numel, ith, nth, &begin, &end);
        pt2c_strided_copy(&m, x->data, out->data, elem, begin, end);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Fusion                                                                                   */

/* Ops whose output equals their input: clone / lift_fresh_copy (copies), and eval dropout
 * (parse refuses a random training-mode one). */
bool pt2c_fuse_identity(const pt2c_op_def *op, const void *params) {
    (void)params;
    return op->parse == pt2c_parse_dropout ||
           (op->parse == pt2c_parse_identity && op->kernel == pt2c_k_copy);
}
