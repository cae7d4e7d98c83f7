/*
 * index.c - indexing, selection by mask, triangles, padding and roll.
 *
 *   embedding(weight[V, D], indices, padding_idx=-1, ...)   out = weight[indices], shape
 *                               indices.shape + [D]; padding_idx only matters for gradients
 *   index.Tensor / _unsafe_index.Tensor(self, indices: Tensor?[])
 *                               advanced indexing: the int index tensors broadcast to shape B;
 *                               None entries (and dims past the list) are full slices. When
 *                               the indexed dims are adjacent, B replaces them in place,
 *                               otherwise B comes first. Negative indices wrap.
 *   index_put(self, indices, values, accumulate=False)  (and index_put_)
 *                               out = self, with out[indices] = values (broadcast to the
 *                               shape self[indices] has), or += when accumulate; repeated
 *                               targets: the last write wins, sums run in index order
 *   index_select(self, dim, index[n])        out.sizes[dim] = n, out[.., j, ..] = self[..,
 * index[j], ..] gather(self, dim, index)    out.shape = index.shape, out[p] = self[p with p[dim] =
 * index[p]] masked_fill.Scalar / .Tensor(self, mask, value) out = broadcast(self, mask) with mask ?
 * value : self, in self's dtype (value cast to it; a Tensor value is 0-dim) where.self(condition,
 * self, other) and the .ScalarSelf / .ScalarOther / .Scalar forms out = condition ? self : other,
 * all three broadcast, dtype result_type(self, other) (Scalars are wrapped numbers) triu /
 * tril(self, diagonal=0)            on the last two dims (i, j): keep x where j - i >= diagonal
 * (triu) / j - i <= diagonal (tril), else 0 constant_pad_nd(self, pad, value=0), pad(self, pad,
 * mode="constant", value=None) pad = (before, after) pairs from the last dim backwards; negative
 * entries crop. Modes: constant, reflect (mirror without repeating the edge), replicate (clamp),
 *                               circular (wrap)
 *   roll(self, shifts, dims=[])  out[o] = self[(o - shift) mod n] per listed dim; no dims:
 *                               the flattened tensor is rolled
 *
 * Index values are data: where PyTorch raises for an out-of-range index (IndexError, or a
 * RuntimeError for gather), the kernel raises a fault (kernel_abi.h) and the run fails
 * naming the node; the element reads as zero meanwhile, so nothing reads out of bounds.
 * index and index_put take negative indices from the end, as Python does; embedding,
 * index_select and gather do not (PyTorch raises there too). Boolean masks as indices give
 * data-dependent shapes and are rejected at shape time.
 */
#include "ops/bcast.h"
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/shape_util.h"

#include <string.h>

#define NEW_PARAMS(type, var)                                                                      \
    type *var = pt2c_op_params(ctx, sizeof(type));                                                 \
    if (!var)                                                                                      \
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");

static bool is_index_dtype(pt2c_dtype t) {
    return t == PT2C_DTYPE_I64 || t == PT2C_DTYPE_I32 || t == PT2C_DTYPE_I16 ||
           t == PT2C_DTYPE_I8 || t == PT2C_DTYPE_U16 || t == PT2C_DTYPE_U32;
}

static pt2c_status check_index_dtype(pt2c_op_ctx *ctx, const pt2c_ktensor *t, const char *what) {
    if (t->dtype == PT2C_DTYPE_BOOL || t->dtype == PT2C_DTYPE_U8)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: %s is a %s mask: boolean-mask indexing has a data-dependent "
                            "size, which pt2c does not support",
                            what, pt2c_dtype_name(t->dtype));
    if (!is_index_dtype(t->dtype))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: %s has dtype %s, expected an integer (int64 or int32) tensor",
                            what, pt2c_dtype_name(t->dtype));
    return PT2C_OK;
}

/* An index value in [-n, n) wrapped into [0, n); else -1, raising the fault for input
 * `input` indexing dimension dim. */
static inline int64_t wrap_index(const pt2c_kernel_args *args, int32_t input, int32_t dim,
                                 int64_t v, int64_t n) {
    int64_t w = v < 0 ? v + n : v;
    if (w >= 0 && w < n)
        return w;
    pt2c_kernel_raise(args, PT2C_FAULT_INDEX, input, dim, v, n);
    return -1;
}

/* An index value in [0, n) (embedding, index_select, gather); else -1, raising the fault. */
static inline int64_t bounded_index(const pt2c_kernel_args *args, int32_t input, int32_t dim,
                                    int64_t v, int64_t n) {
    if (v >= 0 && v < n)
        return v;
    pt2c_kernel_raise(args, PT2C_FAULT_INDEX, input, dim, v, n);
    return -1;
}

static inline void copy_elem(uint8_t *dst, const uint8_t *src, size_t elem) {
    switch (elem) {
    case 1:
        *dst = *src;
        return;
    case 2:
        memcpy(dst, src, 2);
        return;
    case 4:
        memcpy(dst, src, 4);
        return;
    case 8:
        memcpy(dst, src, 8);
        return;
    default:
        memcpy(dst, src, elem);
        return;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* embedding                                                                                */

pt2c_status pt2c_parse_embedding(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    PT2C_TRY(pt2c_op_input(ctx, "weight", NULL));
    return pt2c_op_input(ctx, "indices", NULL);
}

pt2c_status pt2c_shape_embedding(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    const pt2c_ktensor *w = pt2c_op_in(ctx, 0), *idx = pt2c_op_in(ctx, 1);
    if (w->rank != 2)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: weight has %d dims, expected 2",
                            (int)w->rank);
    PT2C_TRY(check_index_dtype(ctx, idx, "indices"));
    if (idx->rank + 1 > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: indices have too many dims (%d)",
                            (int)idx->rank);
    int64_t sizes[PT2C_MAX_RANK];
    memcpy(sizes, idx->sizes, sizeof(int64_t) * (size_t)idx->rank);
    sizes[idx->rank] = w->sizes[1];
    return pt2c_op_set_out(ctx, 0, w->dtype, idx->rank + 1, sizes);
}

/* Row r of the output is row indices[r] of weight; threads split the output rows. */
void pt2c_k_embedding(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *w = args->in[0], *idx = args->in[1];
    pt2c_ktensor *out = args->out[0];
    int64_t dim = w->sizes[1];
    size_t row = (size_t)dim * pt2c_dtype_size(w->dtype);
    int64_t begin, end;
    pt2c_split_range(idx->numel, ith, nth, &begin, &end);
    for (int64_t r = begin; r < end; r++) {
        int64_t v = bounded_index(args, 1, 0, pt2c_load_i64(idx->data, idx->dtype, r), w->sizes[0]);
        uint8_t *dst = (uint8_t *)out->data + (size_t)r * row;
        if (v < 0)
            memset(dst, 0, row);
        else
            memcpy(dst, (const uint8_t *)w->data + (size_t)v * row, row);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* index.Tensor / _unsafe_index.Tensor                                                      */

typedef struct index_params {
    int32_t n_items;                /* entries of `indices` */
    int32_t item[PT2C_MAX_RANK];    /* input position of entry k, -1 for None */
    int32_t n_idx;                  /* index tensors (non-None entries) */
    int32_t idx_dim[PT2C_MAX_RANK]; /* self dim indexed by index tensor t */
    /* shape time: */
    int32_t rank;                                     /* output rank */
    int64_t self_stride[PT2C_MAX_RANK];               /* per output dim (0 on B dims) */
    int64_t idx_stride[PT2C_MAX_RANK][PT2C_MAX_RANK]; /* [t][output dim] (0 off B dims) */
    int64_t dim_size[PT2C_MAX_RANK];                  /* size of self dim idx_dim[t] */
    int64_t dim_stride[PT2C_MAX_RANK];                /* stride of self dim idx_dim[t] */
    int64_t res_sizes[PT2C_MAX_RANK];                 /* the shape self[indices] has */
    /* index_put: */
    bool put, accumulate;
    int32_t values;                    /* input position of values */
    int64_t val_stride[PT2C_MAX_RANK]; /* values broadcast over res_sizes */
    /* A single boolean mask (x[mask], x[:, mask]): covers self dims [mask_dim, + mask_rank);
     * the result has one dim of `count` there (data-dependent, see mask_shape). */
    bool mask;
    int32_t mask_dim, mask_rank;
    int64_t count, pre, mask_numel, inner;
} index_params;

pt2c_status pt2c_parse_index(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(index_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input_optional_list(ctx, "indices", p->item, PT2C_MAX_RANK, &p->n_items));
    for (int32_t k = 0; k < p->n_items; k++)
        if (p->item[k] >= 0)
            p->idx_dim[p->n_idx++] = k;
    if (p->n_idx == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'indices': at least one index tensor is required");
    /* One boolean mask and nothing else: the result size is its count of true values. */
    const pt2c_arg *list = pt2c_op_arg(ctx, "indices");
    if (p->n_idx == 1 && list && p->idx_dim[0] < list->n_items) {
        pt2c_dtype dt = pt2c_op_value_dtype(ctx, list->items[p->idx_dim[0]].name);
        if (dt == PT2C_DTYPE_BOOL || dt == PT2C_DTYPE_U8) {
            p->mask = true;
            p->mask_dim = p->idx_dim[0];
            pt2c_op_set_data_dependent(ctx);
        }
    }
    *params = p;
    return PT2C_OK;
}

/* x[mask]: runs when the mask's values exist (the step is data-dependent). */
static pt2c_status mask_shape(pt2c_op_ctx *ctx, index_params *p, const pt2c_ktensor *x) {
    const pt2c_ktensor *m = pt2c_op_in(ctx, p->item[p->mask_dim]);
    if (m->dtype != PT2C_DTYPE_BOOL && m->dtype != PT2C_DTYPE_U8)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: the mask index is %s, expected bool",
                            pt2c_dtype_name(m->dtype));
    p->mask_rank = m->rank;
    if (p->mask_dim + m->rank > x->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: a mask of rank %d at dim %d does not fit a tensor of rank %d",
                            (int)m->rank, (int)p->mask_dim, (int)x->rank);
    for (int32_t d = 0; d < m->rank; d++)
        if (m->sizes[d] != x->sizes[p->mask_dim + d])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: mask dim %d has size %lld, expected %lld (indexed tensor "
                                "dim %d)",
                                (int)d, (long long)m->sizes[d],
                                (long long)x->sizes[p->mask_dim + d], (int)(p->mask_dim + d));
    const uint8_t *mb = m->data;
    p->count = 0;
    for (int64_t i = 0; i < m->numel; i++)
        p->count += mb[i] != 0;
    p->mask_numel = m->numel;
    p->pre = 1;
    for (int32_t d = 0; d < p->mask_dim; d++)
        p->pre *= x->sizes[d];
    p->inner = 1;
    for (int32_t d = p->mask_dim + m->rank; d < x->rank; d++)
        p->inner *= x->sizes[d];
    int32_t r = 0;
    for (int32_t d = 0; d < p->mask_dim; d++)
        p->res_sizes[r++] = x->sizes[d];
    p->res_sizes[r++] = p->count;
    for (int32_t d = p->mask_dim + m->rank; d < x->rank; d++)
        p->res_sizes[r++] = x->sizes[d];
    p->rank = r;
    return pt2c_op_set_out(ctx, 0, x->dtype, p->rank, p->res_sizes);
}

/* out[pre, j, inner] = x[pre, position of the j-th true mask value, inner]. Each thread scans
 * the mask for its first row and then walks forward. */
static void k_index_mask(const index_params *p, const pt2c_ktensor *x, const pt2c_ktensor *m,
                         pt2c_ktensor *out, int ith, int nth) {
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    const uint8_t *mb = m->data, *src = x->data;
    uint8_t *dst = out->data;
    int64_t last_j = -1, pos = -1;
    for (int64_t i = begin; i < end; i++) {
        int64_t in_i = i % p->inner, row = i / p->inner;
        int64_t j = row % p->count, pre_i = row / p->count;
        if (j != last_j) {
            if (j < last_j || last_j < 0) {
                last_j = -1;
                pos = -1;
            }
            while (last_j < j) {
                pos++;
                while (pos < p->mask_numel && !mb[pos])
                    pos++;
                last_j++;
            }
        }
        int64_t off = (pre_i * p->mask_numel + pos) * p->inner + in_i;
        copy_elem(dst + (size_t)i * elem, src + (size_t)off * elem, elem);
    }
}

/* The layout of self[indices]: p->rank, p->res_sizes and the strides of every operand. */
static pt2c_status index_map(pt2c_op_ctx *ctx, index_params *p, const pt2c_ktensor *x) {
    if (p->n_items > x->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: too many indices (%d) for a tensor of rank %d", (int)p->n_items,
                            (int)x->rank);
    /* Broadcast shape B of the index tensors. */
    pt2c_ktensor b;
    memset(&b, 0, sizeof b);
    for (int32_t t = 0; t < p->n_idx; t++) {
        const pt2c_ktensor *it = pt2c_op_in(ctx, p->item[p->idx_dim[t]]);
        PT2C_TRY(check_index_dtype(ctx, it, "an index tensor"));
        int32_t r = 0;
        int64_t sizes[PT2C_MAX_RANK];
        PT2C_TRY(pt2c_op_broadcast(ctx, &b, it, &r, sizes));
        b.rank = r;
        memcpy(b.sizes, sizes, sizeof(int64_t) * (size_t)r);
    }
    int32_t first = p->idx_dim[0], last = p->idx_dim[p->n_idx - 1];
    bool adjacent = last - first + 1 == p->n_idx;
    int32_t out_rank = x->rank - p->n_idx + b.rank;
    if (out_rank > PT2C_MAX_RANK)
        return pt2c_op_fail(ctx, PT2C_ERR_LIMIT, "shape: index result has rank %d (max %d)",
                            (int)out_rank, PT2C_MAX_RANK);
    int64_t xst[PT2C_MAX_RANK];
    pt2c_contig_strides(x->rank, x->sizes, xst);
    bool indexed[PT2C_MAX_RANK] = {false};
    for (int32_t t = 0; t < p->n_idx; t++) {
        indexed[p->idx_dim[t]] = true;
        p->dim_size[t] = x->sizes[p->idx_dim[t]];
        p->dim_stride[t] = xst[p->idx_dim[t]];
    }
    int64_t *out = p->res_sizes;
    int32_t b_at = adjacent ? first : 0; /* output position of B's first dim */
    int32_t r = 0;
    memset(p->self_stride, 0, sizeof p->self_stride);
    memset(p->idx_stride, 0, sizeof p->idx_stride);
    for (int32_t d = 0; d <= x->rank; d++) {
        if (r == b_at && (adjacent ? d == first : d == 0)) {
            for (int32_t t = 0; t < p->n_idx; t++) {
                const pt2c_ktensor *it = pt2c_op_in(ctx, p->item[p->idx_dim[t]]);
                int64_t st[PT2C_MAX_RANK];
                pt2c_broadcast_strides(it, b.rank, st);
                for (int32_t j = 0; j < b.rank; j++)
                    p->idx_stride[t][r + j] = st[j];
            }
            for (int32_t j = 0; j < b.rank; j++)
                out[r++] = b.sizes[j];
        }
        if (d < x->rank && !indexed[d]) {
            p->self_stride[r] = xst[d];
            out[r++] = x->sizes[d];
        }
    }
    p->rank = r;
    return PT2C_OK;
}

pt2c_status pt2c_shape_index(pt2c_op_ctx *ctx, void *params) {
    index_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (p->mask)
        return mask_shape(ctx, p, x);
    PT2C_TRY(index_map(ctx, p, x));
    return pt2c_op_set_out(ctx, 0, x->dtype, p->rank, p->res_sizes);
}

void pt2c_k_index(const pt2c_kernel_args *args, int ith, int nth) {
    const index_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    if (p->mask) {
        if (p->count > 0)
            k_index_mask(p, x, args->in[p->item[p->mask_dim]], out, ith, nth);
        return;
    }
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    pt2c_nditer it;
    memcpy(it.strides[0], p->self_stride, sizeof(int64_t) * PT2C_MAX_RANK);
    for (int32_t t = 0; t < p->n_idx; t++)
        memcpy(it.strides[t + 1], p->idx_stride[t], sizeof(int64_t) * PT2C_MAX_RANK);
    pt2c_nditer_start(&it, p->rank, out->sizes, p->n_idx + 1, begin);
    const uint8_t *src = x->data;
    uint8_t *dst = out->data;
    for (int64_t i = begin; i < end; i++) {
        int64_t off = it.off[0];
        bool ok = true;
        for (int32_t t = 0; t < p->n_idx; t++) {
            const pt2c_ktensor *ix = args->in[p->item[p->idx_dim[t]]];
            int64_t v =
                wrap_index(args, p->item[p->idx_dim[t]], p->idx_dim[t],
                           pt2c_load_i64(ix->data, ix->dtype, it.off[t + 1]), p->dim_size[t]);
            ok = ok && v >= 0;
            off += v * p->dim_stride[t];
        }
        if (ok)
            copy_elem(dst + (size_t)i * elem, src + (size_t)off * elem, elem);
        else
            memset(dst + (size_t)i * elem, 0, elem);
        pt2c_nditer_next(&it);
    }
}

/* index_put(self, indices, values, accumulate=False) ------------------------------------- */

static pt2c_status parse_index_put_common(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(pt2c_parse_index(ctx, params));
    index_params *p = *params;
    p->put = true;
    PT2C_TRY(pt2c_op_input(ctx, "values", &p->values));
    PT2C_TRY(pt2c_op_bool(ctx, "accumulate", false, &p->accumulate));
    return PT2C_OK;
}

pt2c_status pt2c_parse_index_put(pt2c_op_ctx *ctx, void **params) {
    return parse_index_put_common(ctx, params);
}

pt2c_status pt2c_parse_index_put_(pt2c_op_ctx *ctx, void **params) {
    PT2C_TRY(pt2c_op_check_inplace_self(ctx));
    return parse_index_put_common(ctx, params);
}

pt2c_status pt2c_shape_index_put(pt2c_op_ctx *ctx, void *params) {
    index_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *v = pt2c_op_in(ctx, p->values);
    PT2C_TRY(index_map(ctx, p, x));
    if (!pt2c_dtype_castable(x->dtype) || !pt2c_dtype_castable(v->dtype))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: index_put of %s values into %s",
                            pt2c_dtype_name(v->dtype), pt2c_dtype_name(x->dtype));
    /* values must broadcast to the indexed shape */
    if (v->rank > p->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: values have %d dims, the indexed result only %d", (int)v->rank,
                            (int)p->rank);
    for (int32_t d = 0; d < v->rank; d++) {
        int64_t vs = v->sizes[d], rs = p->res_sizes[p->rank - v->rank + d];
        if (vs != 1 && vs != rs)
            return pt2c_op_fail(
                ctx, PT2C_ERR_SHAPE,
                "shape: values of size %lld cannot broadcast to size %lld in dim %d", (long long)vs,
                (long long)rs, (int)(p->rank - v->rank + d));
    }
    pt2c_broadcast_strides(v, p->rank, p->val_stride);
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

/* out = self, then out[target(r)] = values[r] (or +=) for every element r of the indexed
 * shape in order, each thread writing only the targets inside its own output share: later
 * elements win, and sums accumulate in index order, for any thread count. */
void pt2c_k_index_put(const pt2c_kernel_args *args, int ith, int nth) {
    const index_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *v = args->in[p->values];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    memcpy((uint8_t *)out->data + (size_t)begin * elem,
           (const uint8_t *)x->data + (size_t)begin * elem, (size_t)(end - begin) * elem);
    int64_t n = 1;
    for (int32_t d = 0; d < p->rank; d++)
        n *= p->res_sizes[d];
    if (n == 0)
        return;
    pt2c_nditer it;
    memcpy(it.strides[0], p->self_stride, sizeof(int64_t) * PT2C_MAX_RANK);
    for (int32_t t = 0; t < p->n_idx; t++)
        memcpy(it.strides[t + 1], p->idx_stride[t], sizeof(int64_t) * PT2C_MAX_RANK);
    memcpy(it.strides[p->n_idx + 1], p->val_stride, sizeof(int64_t) * PT2C_MAX_RANK);
    pt2c_nditer_start(&it, p->rank, p->res_sizes, p->n_idx + 2, 0);
    bool is_float = x->dtype == PT2C_DTYPE_F32 || x->dtype == PT2C_DTYPE_F64 ||
                    x->dtype == PT2C_DTYPE_F16 || x->dtype == PT2C_DTYPE_BF16;
    for (int64_t r = 0; r < n; r++) {
        int64_t off = it.off[0];
        bool ok = true;
        for (int32_t t = 0; t < p->n_idx && ok; t++) {
            const pt2c_ktensor *ix = args->in[p->item[p->idx_dim[t]]];
            int64_t k =
                wrap_index(args, p->item[p->idx_dim[t]], p->idx_dim[t],
                           pt2c_load_i64(ix->data, ix->dtype, it.off[t + 1]), p->dim_size[t]);
            ok = k >= 0;
            off += k * p->dim_stride[t];
        }
        if (ok && off >= begin && off < end) {
            int64_t vo = it.off[p->n_idx + 1];
            if (!p->accumulate)
                pt2c_cast_one(out->data, out->dtype, off, v->data, v->dtype, vo);
            else if (x->dtype == PT2C_DTYPE_BOOL)
                ((uint8_t *)out->data)[off] |= pt2c_load_i64(v->data, v->dtype, vo) != 0;
            else if (is_float)
                pt2c_store_f64(out->data, out->dtype, off,
                               pt2c_load_f64(out->data, out->dtype, off) +
                                   pt2c_load_f64(v->data, v->dtype, vo));
            else
                pt2c_store_i64(out->data, out->dtype, off,
                               (int64_t)((uint64_t)pt2c_load_i64(out->data, out->dtype, off) +
                                         (uint64_t)pt2c_load_i64(v->data, v->dtype, vo)));
        }
        pt2c_nditer_next(&it);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* index_select                                                                             */

typedef struct dim_params {
    pt2c_iarg dim;
    int32_t d;                  /* resolved */
    int64_t outer, size, inner; /* self viewed as [outer, size, inner] around d */
} dim_params;

pt2c_status pt2c_parse_index_select(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(dim_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dim"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_input(ctx, "index", NULL));
    *params = p;
    return PT2C_OK;
}

static void split_around(const pt2c_ktensor *x, int32_t d, dim_params *p) {
    p->outer = p->inner = 1;
    for (int32_t k = 0; k < d; k++)
        p->outer *= x->sizes[k];
    for (int32_t k = d + 1; k < x->rank; k++)
        p->inner *= x->sizes[k];
    p->size = x->rank > 0 ? x->sizes[d] : 1;
}

pt2c_status pt2c_shape_index_select(pt2c_op_ctx *ctx, void *params) {
    dim_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *idx = pt2c_op_in(ctx, 1);
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &p->d));
    PT2C_TRY(check_index_dtype(ctx, idx, "index"));
    if (idx->rank > 1)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: index has %d dims, expected 0 or 1",
                            (int)idx->rank);
    split_around(x, p->d, p);
    int64_t sizes[PT2C_MAX_RANK];
    memcpy(sizes, x->sizes, sizeof(int64_t) * (size_t)x->rank);
    if (x->rank == 0) {
        if (idx->numel != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: index_select on a 0-dim tensor takes one index, found "
                                "%lld",
                                (long long)idx->numel);
        return pt2c_op_set_out(ctx, 0, x->dtype, 0, sizes);
    }
    sizes[p->d] = idx->numel;
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, sizes);
}

/* out viewed as [outer, n, inner]: runs of inner elements, one per (o, j). */
void pt2c_k_index_select(const pt2c_kernel_args *args, int ith, int nth) {
    const dim_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *idx = args->in[1];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t n = idx->numel, inner = p->inner;
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    int64_t i = begin;
    while (i < end && inner > 0) {
        int64_t row = i / inner, col = i % inner;
        int64_t o = row / n, j = row % n;
        int64_t run = inner - col < end - i ? inner - col : end - i;
        int64_t v = bounded_index(args, 1, p->d, pt2c_load_i64(idx->data, idx->dtype, j), p->size);
        uint8_t *dst = (uint8_t *)out->data + (size_t)i * elem;
        if (v < 0)
            memset(dst, 0, (size_t)run * elem);
        else
            memcpy(dst, (const uint8_t *)x->data + (size_t)((o * p->size + v) * inner + col) * elem,
                   (size_t)run * elem);
        i += run;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* gather                                                                                   */

pt2c_status pt2c_parse_gather(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(dim_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (!pt2c_op_arg(ctx, "dim"))
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'dim': missing");
    PT2C_TRY(pt2c_op_int(ctx, "dim", 0, &p->dim));
    PT2C_TRY(pt2c_op_input(ctx, "index", NULL));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_gather(pt2c_op_ctx *ctx, void *params) {
    dim_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *idx = pt2c_op_in(ctx, 1);
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &p->d));
    /* PyTorch checks the dtype only of an index with elements. */
    if (idx->dtype != PT2C_DTYPE_I64 && idx->dtype != PT2C_DTYPE_I32 && idx->numel > 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: index has dtype %s, expected int64 (or int32)",
                            pt2c_dtype_name(idx->dtype));
    int32_t xr = x->rank > 0 ? x->rank : 1, ir = idx->rank > 0 ? idx->rank : 1;
    if (xr != ir && idx->numel > 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: index has %d dims, expected %d",
                            (int)idx->rank, (int)x->rank);
    for (int32_t k = 0; k < idx->rank && k < x->rank; k++)
        if (k != p->d && idx->sizes[k] > x->sizes[k])
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: index has size %lld in dim %d, self only %lld",
                                (long long)idx->sizes[k], (int)k, (long long)x->sizes[k]);
    split_around(x, p->d, p);
    return pt2c_op_set_out(ctx, 0, x->dtype, idx->rank, idx->sizes);
}

void pt2c_k_gather(const pt2c_kernel_args *args, int ith, int nth) {
    const dim_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *idx = args->in[1];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    int64_t xst[PT2C_MAX_RANK];
    pt2c_contig_strides(x->rank, x->sizes, xst);
    pt2c_nditer it;
    pt2c_contig_strides(idx->rank, idx->sizes, it.strides[1]);
    for (int32_t k = 0; k < idx->rank; k++)
        it.strides[0][k] = k == p->d || k >= x->rank ? 0 : xst[k];
    pt2c_nditer_start(&it, idx->rank, idx->sizes, 2, begin);
    int64_t dstride = x->rank > 0 ? xst[p->d] : 1;
    for (int64_t i = begin; i < end; i++) {
        int64_t v =
            bounded_index(args, 1, p->d, pt2c_load_i64(idx->data, idx->dtype, it.off[1]), p->size);
        uint8_t *dst = (uint8_t *)out->data + (size_t)i * elem;
        if (v < 0)
            memset(dst, 0, elem);
        else
            copy_elem(dst, (const uint8_t *)x->data + (size_t)(it.off[0] + v * dstride) * elem,
                      elem);
        pt2c_nditer_next(&it);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* masked_fill / where                                                                      */

typedef struct select_params {
    bool tensor_value;    /* masked_fill.Tensor: value is input 2 */
    pt2c_scalar value;    /* masked_fill.Scalar */
    pt2c_elem_value elem; /* value in the output dtype (shape time) */
} select_params;

static pt2c_status check_mask(pt2c_op_ctx *ctx, const pt2c_ktensor *m, const char *what) {
    if (m->dtype != PT2C_DTYPE_BOOL && m->dtype != PT2C_DTYPE_U8)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s has dtype %s, expected torch.bool",
                            what, pt2c_dtype_name(m->dtype));
    return PT2C_OK;
}

pt2c_status pt2c_parse_masked_fill(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(select_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "mask", NULL));
    const pt2c_arg *v = pt2c_op_arg(ctx, "value");
    if (v && (v->kind == PT2C_ARG_TENSOR || v->kind == PT2C_ARG_OPTIONAL_TENSOR)) {
        p->tensor_value = true;
        PT2C_TRY(pt2c_op_input(ctx, "value", NULL));
    } else {
        PT2C_TRY(pt2c_op_scalar(ctx, "value", NULL, &p->value));
    }
    *params = p;
    return PT2C_OK;
}

static pt2c_status broadcast_shape(pt2c_op_ctx *ctx, int32_t n, pt2c_ktensor *out) {
    memset(out, 0, sizeof *out);
    for (int32_t k = 0; k < n; k++) {
        int32_t r = 0;
        int64_t sizes[PT2C_MAX_RANK];
        PT2C_TRY(pt2c_op_broadcast(ctx, out, pt2c_op_in(ctx, k), &r, sizes));
        out->rank = r;
        memcpy(out->sizes, sizes, sizeof(int64_t) * (size_t)r);
    }
    return PT2C_OK;
}

pt2c_status pt2c_shape_masked_fill(pt2c_op_ctx *ctx, void *params) {
    select_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    PT2C_TRY(check_mask(ctx, pt2c_op_in(ctx, 1), "mask"));
    if (!pt2c_dtype_castable(x->dtype))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: self dtype %s is not supported",
                            pt2c_dtype_name(x->dtype));
    if (p->tensor_value) {
        const pt2c_ktensor *v = pt2c_op_in(ctx, 2);
        if (v->rank != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: masked_fill only supports a 0-dim value tensor, found "
                                "%d dims",
                                (int)v->rank);
        if (!pt2c_dtype_castable(v->dtype))
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: value dtype %s is not supported",
                                pt2c_dtype_name(v->dtype));
    } else {
        pt2c_elem_from_scalar(ctx, &p->value, x->dtype, &p->elem);
    }
    pt2c_ktensor shape;
    PT2C_TRY(broadcast_shape(ctx, 2, &shape));
    return pt2c_op_set_out(ctx, 0, x->dtype, shape.rank, shape.sizes);
}

void pt2c_k_masked_fill(const pt2c_kernel_args *args, int ith, int nth) {
    const select_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *mask = args->in[1];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(out->dtype);
    pt2c_elem_value v = p->elem;
    if (p->tensor_value) {
        const pt2c_ktensor *vt = args->in[2];
        memset(&v, 0, sizeof v);
        pt2c_cast_one(v.bytes, out->dtype, 0, vt->data, vt->dtype, 0);
    }
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    pt2c_nditer it;
    pt2c_broadcast_strides(x, out->rank, it.strides[0]);
    pt2c_broadcast_strides(mask, out->rank, it.strides[1]);
    pt2c_nditer_start(&it, out->rank, out->sizes, 2, begin);
    const uint8_t *src = x->data, *m = mask->data;
    uint8_t *dst = out->data;
    for (int64_t i = begin; i < end; i++) {
        copy_elem(dst + (size_t)i * elem, m[it.off[1]] ? v.bytes : src + (size_t)it.off[0] * elem,
                  elem);
        pt2c_nditer_next(&it);
    }
}

static pt2c_status parse_where_common(pt2c_op_ctx *ctx, void **params) {
    *params = NULL;
    PT2C_TRY(pt2c_op_input(ctx, "condition", NULL));
    /* Scalars in the .Scalar* overloads become wrapped-number inputs, so one kernel serves. */
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    return pt2c_op_input(ctx, "other", NULL);
}

pt2c_status pt2c_parse_where(pt2c_op_ctx *ctx, void **params) {
    return parse_where_common(ctx, params);
}

pt2c_status pt2c_shape_where(pt2c_op_ctx *ctx, void *params) {
    (void)params;
    PT2C_TRY(check_mask(ctx, pt2c_op_in(ctx, 0), "condition"));
    pt2c_result_type rt;
    pt2c_result_type_init(&rt);
    for (int32_t k = 1; k <= 2; k++) {
        const pt2c_ktensor *t = pt2c_op_in(ctx, k);
        if (!pt2c_dtype_castable(t->dtype))
            return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: %s dtype %s is not supported",
                                k == 1 ? "self" : "other", pt2c_dtype_name(t->dtype));
        pt2c_result_type_add(&rt, t->dtype, t->rank, pt2c_op_in_is_wrapped(ctx, k));
    }
    pt2c_ktensor shape;
    PT2C_TRY(broadcast_shape(ctx, 3, &shape));
    return pt2c_op_set_out(ctx, 0, pt2c_result_type_get(&rt), shape.rank, shape.sizes);
}

/* One run of where over 4-byte elements: the selects the compiler vectorizes. */
static void where_run_4(uint32_t *dst, const uint8_t *cond, int64_t sc, const uint32_t *a,
                        int64_t sa, const uint32_t *b, int64_t sb, int64_t n) {
    if (sc == 1 && sa == 1 && sb == 1) {
        for (int64_t j = 0; j < n; j++)
            dst[j] = cond[j] ? a[j] : b[j];
        return;
    }
    for (int64_t j = 0; j < n; j++)
        dst[j] = cond[j * sc] ? a[j * sa] : b[j * sb];
}

void pt2c_k_where(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *c = args->in[0], *a = args->in[1], *b = args->in[2];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(out->dtype);
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    const pt2c_ktensor *in[3] = {c, a, b};
    pt2c_bcast it;
    pt2c_bcast_start(&it, out, in, 3, begin);
    const uint8_t *cond = c->data;
    uint8_t *dst = out->data;
    bool same = a->dtype == out->dtype && b->dtype == out->dtype;
    for (int64_t i = begin; i < end;) {
        int64_t n = pt2c_bcast_run(&it, end - i);
        int64_t sc = it.inner[0], sa = it.inner[1], sb = it.inner[2];
        if (same && elem == 4) {
            where_run_4((uint32_t *)dst + i, cond + it.off[0], sc,
                        (const uint32_t *)a->data + it.off[1], sa,
                        (const uint32_t *)b->data + it.off[2], sb, n);
        } else {
            for (int64_t j = 0; j < n; j++) {
                bool pick_a = cond[it.off[0] + j * sc] != 0;
                const pt2c_ktensor *pick = pick_a ? a : b;
                int64_t off = pick_a ? it.off[1] + j * sa : it.off[2] + j * sb;
                if (same)
                    copy_elem(dst + (size_t)(i + j) * elem,
                              (const uint8_t *)pick->data + (size_t)off * elem, elem);
                else
                    pt2c_cast_one(dst, out->dtype, i + j, pick->data, pick->dtype, off);
            }
        }
        i += n;
        pt2c_bcast_advance(&it, n);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* triu / tril                                                                              */

typedef struct tri_params {
    pt2c_iarg diagonal;
    bool upper;
    int64_t k; /* resolved diagonal */
} tri_params;

static pt2c_status parse_tri(pt2c_op_ctx *ctx, void **params, bool upper) {
    NEW_PARAMS(tri_params, p);
    p->upper = upper;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_int(ctx, "diagonal", 0, &p->diagonal));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_triu(pt2c_op_ctx *ctx, void **params) {
    return parse_tri(ctx, params, true);
}
pt2c_status pt2c_parse_tril(pt2c_op_ctx *ctx, void **params) {
    return parse_tri(ctx, params, false);
}

pt2c_status pt2c_shape_tri(pt2c_op_ctx *ctx, void *params) {
    tri_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank < 2)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s expects at least 2 dims, found %d",
                            p->upper ? "triu" : "tril", (int)x->rank);
    p->k = pt2c_op_iarg(ctx, &p->diagonal);
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

void pt2c_k_tri(const pt2c_kernel_args *args, int ith, int nth) {
    const tri_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t h = x->sizes[x->rank - 2], w = x->sizes[x->rank - 1];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    const uint8_t *src = x->data;
    uint8_t *dst = out->data;
    for (int64_t i = begin; i < end; i++) {
        int64_t col = i % w, row = (i / w) % h;
        int64_t diff = col - row;
        bool keep = p->upper ? diff >= p->k : diff <= p->k;
        if (keep)
            copy_elem(dst + (size_t)i * elem, src + (size_t)i * elem, elem);
        else
            memset(dst + (size_t)i * elem, 0, elem); /* all-zero bytes: 0 in every dtype */
    }
}

/* ---------------------------------------------------------------------------------------- */
/* constant_pad_nd / pad / roll: out[o] = self[map_d(o_d) ...] or the fill value            */

enum { MAP_CONSTANT, MAP_REFLECT, MAP_REPLICATE, MAP_CIRCULAR };

typedef struct dimmap_params {
    pt2c_iarg_list pad;  /* pad: (before, after) pairs from the last dim; roll: shifts */
    pt2c_iarg_list dims; /* roll */
    int mode;            /* MAP_* for the padded dims */
    bool roll;           /* roll instead of pad */
    bool has_value;      /* pad(value=...) given */
    pt2c_scalar value;   /* constant fill */
    /* shape time: */
    int32_t rank; /* map rank (1 for a flattened roll) */
    int64_t in_sizes[PT2C_MAX_RANK];
    int64_t out_sizes[PT2C_MAX_RANK];
    int64_t before[PT2C_MAX_RANK]; /* source index = o - before (then mapped) */
    int dim_mode[PT2C_MAX_RANK];
    pt2c_elem_value elem;
} dimmap_params;

pt2c_status pt2c_parse_constant_pad_nd(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(dimmap_params, p);
    p->mode = MAP_CONSTANT;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "pad", NULL, 0, 0, &p->pad));
    if (!p->pad.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'pad': missing");
    pt2c_scalar zero = {PT2C_DTYPE_I64, 0, 0.0, -1};
    PT2C_TRY(pt2c_op_scalar(ctx, "value", &zero, &p->value));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_pad(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(dimmap_params, p);
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "pad", NULL, 0, 0, &p->pad));
    if (!p->pad.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'pad': missing");
    const char *mode = "constant";
    PT2C_TRY(pt2c_op_string(ctx, "mode", "constant", &mode));
    if (strcmp(mode, "constant") == 0)
        p->mode = MAP_CONSTANT;
    else if (strcmp(mode, "reflect") == 0)
        p->mode = MAP_REFLECT;
    else if (strcmp(mode, "replicate") == 0)
        p->mode = MAP_REPLICATE;
    else if (strcmp(mode, "circular") == 0)
        p->mode = MAP_CIRCULAR;
    else
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "argument 'mode': '%s' is not one of constant, reflect, replicate, "
                            "circular",
                            mode);
    double v = 0.0;
    PT2C_TRY(pt2c_op_optional_float(ctx, "value", &p->has_value, &v));
    if (p->has_value && p->mode != MAP_CONSTANT && v != 0.0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "argument 'value': padding mode '%s' does not take a fill value", mode);
    p->value = (pt2c_scalar){PT2C_DTYPE_F64, (int64_t)v, v, -1};
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_roll(pt2c_op_ctx *ctx, void **params) {
    NEW_PARAMS(dimmap_params, p);
    p->roll = true;
    p->mode = MAP_CIRCULAR;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_ints(ctx, "shifts", NULL, 0, 0, &p->pad));
    if (!p->pad.present)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'shifts': missing");
    int64_t none = 0;
    PT2C_TRY(pt2c_op_ints(ctx, "dims", &none, 0, 0, &p->dims));
    p->value = (pt2c_scalar){PT2C_DTYPE_I64, 0, 0.0, -1};
    *params = p;
    return PT2C_OK;
}

static const char *mode_name(int mode) {
    return mode == MAP_REFLECT     ? "reflect"
           : mode == MAP_REPLICATE ? "replicate"
           : mode == MAP_CIRCULAR  ? "circular"
                                   : "constant";
}

static pt2c_status shape_roll(pt2c_op_ctx *ctx, dimmap_params *p, const pt2c_ktensor *x) {
    if (p->dims.n == 0) {
        if (p->pad.n != 1)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: roll without dims takes one shift, found %d",
                                (int)p->pad.n);
        /* The flattened tensor rolls as one dim. */
        p->rank = 1;
        p->in_sizes[0] = p->out_sizes[0] = x->numel;
        p->dim_mode[0] = MAP_CIRCULAR;
        int64_t n = x->numel > 0 ? x->numel : 1;
        p->before[0] = pt2c_op_iarg(ctx, &p->pad.items[0]) % n;
    } else {
        if (p->pad.n != p->dims.n)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: roll got %d shifts for %d dims",
                                (int)p->pad.n, (int)p->dims.n);
        p->rank = x->rank;
        for (int32_t d = 0; d < x->rank; d++) {
            p->in_sizes[d] = p->out_sizes[d] = x->sizes[d];
            p->before[d] = 0;
            p->dim_mode[d] = MAP_CONSTANT;
        }
        for (int32_t k = 0; k < p->dims.n; k++) {
            int32_t d = 0;
            PT2C_TRY(
                pt2c_op_wrap_dim(ctx, "dims", pt2c_op_iarg(ctx, &p->dims.items[k]), x->rank, &d));
            if (x->rank == 0)
                continue;
            int64_t n = x->sizes[d] > 0 ? x->sizes[d] : 1;
            p->dim_mode[d] = MAP_CIRCULAR;
            p->before[d] = (p->before[d] + pt2c_op_iarg(ctx, &p->pad.items[k])) % n;
        }
    }
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, x->sizes);
}

pt2c_status pt2c_shape_dimmap(pt2c_op_ctx *ctx, void *params) {
    dimmap_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (!pt2c_dtype_castable(x->dtype) && x->dtype != PT2C_DTYPE_UNKNOWN)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: self dtype %s is not supported",
                            pt2c_dtype_name(x->dtype));
    pt2c_elem_from_scalar(ctx, &p->value, x->dtype, &p->elem);
    if (p->roll)
        return shape_roll(ctx, p, x);
    if (p->pad.n % 2 != 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: argument 'pad' has %d entries, expected an even number",
                            (int)p->pad.n);
    int32_t n_dims = p->pad.n / 2;
    if (n_dims > x->rank)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: argument 'pad' pads %d dims of a tensor of rank %d",
                            (int)n_dims, (int)x->rank);
    p->rank = x->rank;
    for (int32_t d = 0; d < x->rank; d++) {
        p->in_sizes[d] = p->out_sizes[d] = x->sizes[d];
        p->before[d] = 0;
        p->dim_mode[d] = MAP_CONSTANT;
    }
    for (int32_t k = 0; k < n_dims; k++) {
        int32_t d = x->rank - 1 - k;
        int64_t lo = pt2c_op_iarg(ctx, &p->pad.items[2 * k]);
        int64_t hi = pt2c_op_iarg(ctx, &p->pad.items[2 * k + 1]);
        int64_t size = x->sizes[d];
        if (p->mode != MAP_CONSTANT) {
            if (lo < 0 || hi < 0)
                return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                                    "shape: negative padding in %s mode is not supported",
                                    mode_name(p->mode));
            if (size == 0 && (lo > 0 || hi > 0))
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: %s padding of an empty dim %d",
                                    mode_name(p->mode), (int)d);
            if (p->mode == MAP_REFLECT && (lo >= size || hi >= size))
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: reflect padding (%lld, %lld) must be smaller than "
                                    "the size %lld of dim %d",
                                    (long long)lo, (long long)hi, (long long)size, (int)d);
            if (p->mode == MAP_CIRCULAR && (lo > size || hi > size))
                return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                    "shape: circular padding (%lld, %lld) exceeds the size %lld "
                                    "of dim %d",
                                    (long long)lo, (long long)hi, (long long)size, (int)d);
        }
        int64_t out = size + lo + hi;
        if (out < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: padding (%lld, %lld) of size %lld in dim %d gives a "
                                "negative size",
                                (long long)lo, (long long)hi, (long long)size, (int)d);
        p->out_sizes[d] = out;
        p->before[d] = lo;
        p->dim_mode[d] = p->mode;
    }
    return pt2c_op_set_out(ctx, 0, x->dtype, x->rank, p->out_sizes);
}

/* Source index along one dim, or -1 for the fill value. */
static inline int64_t map_index(int mode, int64_t o, int64_t before, int64_t n) {
    int64_t s = o - before;
    switch (mode) {
    case MAP_REFLECT:
        if (s < 0)
            s = -s;
        if (s >= n)
            s = 2 * (n - 1) - s;
        return s;
    case MAP_REPLICATE:
        return s < 0 ? 0 : s >= n ? n - 1 : s;
    case MAP_CIRCULAR:
        s %= n;
        return s < 0 ? s + n : s;
    default:
        return s >= 0 && s < n ? s : -1;
    }
}

/* By output rows (the last dim): a row's source row is mapped once, then the row is fill,
 * one copy, fill (constant padding) or element by element (reflect, replicate, circular).
 * A whole row in the padding is all fill. */
void pt2c_k_dimmap(const pt2c_kernel_args *args, int ith, int nth) {
    const dimmap_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(out->dtype);
    int32_t r = p->rank;
    if (out->numel == 0)
        return;
    int64_t L = r > 0 ? p->out_sizes[r - 1] : 1;
    int64_t rows = out->numel / L, begin, end;
    pt2c_split_range(rows, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    int64_t ist[PT2C_MAX_RANK], index[PT2C_MAX_RANK];
    pt2c_contig_strides(r, p->in_sizes, ist);
    int64_t rem = begin;
    for (int32_t d = r - 2; d >= 0; d--) {
        index[d] = rem % p->out_sizes[d];
        rem /= p->out_sizes[d];
    }
    const uint8_t *src = x->data;
    uint8_t *dst = out->data;
    int last_mode = r > 0 ? p->dim_mode[r - 1] : MAP_CONSTANT;
    int64_t before = r > 0 ? p->before[r - 1] : 0, n = r > 0 ? p->in_sizes[r - 1] : 1;
    for (int64_t row = begin; row < end; row++) {
        uint8_t *o = dst + (size_t)(row * L) * elem;
        int64_t off = 0;
        bool inside = true;
        for (int32_t d = 0; d < r - 1 && inside; d++) {
            int64_t sd = map_index(p->dim_mode[d], index[d], p->before[d], p->in_sizes[d]);
            inside = sd >= 0;
            off += sd * ist[d];
        }
        if (!inside) {
            for (int64_t j = 0; j < L; j++)
                copy_elem(o + (size_t)j * elem, p->elem.bytes, elem);
        } else if (last_mode == MAP_CONSTANT || r == 0) {
            /* [0, lo) fill, [lo, hi) the source row from lo - before, [hi, L) fill */
            int64_t lo = before > 0 ? (before < L ? before : L) : 0;
            int64_t hi = before + n < L ? before + n : L;
            hi = hi > lo ? hi : lo;
            for (int64_t j = 0; j < lo; j++)
                copy_elem(o + (size_t)j * elem, p->elem.bytes, elem);
            if (hi > lo)
                memcpy(o + (size_t)lo * elem, src + (size_t)(off + lo - before) * elem,
                       (size_t)(hi - lo) * elem);
            for (int64_t j = hi; j < L; j++)
                copy_elem(o + (size_t)j * elem, p->elem.bytes, elem);
        } else {
            for (int64_t j = 0; j < L; j++) {
                int64_t sj = map_index(last_mode, j, before, n);
                copy_elem(o + (size_t)j * elem,
                          sj >= 0 ? src + (size_t)(off + sj) * elem : p->elem.bytes, elem);
            }
        }
        for (int32_t d = r - 2; d >= 0; d--) {
            if (++index[d] < p->out_sizes[d])
                break;
            index[d] = 0;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Fusion                                                                                   */

bool pt2c_fuse_pad(const pt2c_op_def *op, const void *params, int32_t *n_pad, int64_t *pad) {
    if (op->parse != pt2c_parse_pad && op->parse != pt2c_parse_constant_pad_nd)
        return false;
    const dimmap_params *p = params;
    if (p->roll || p->mode != MAP_CONSTANT || p->value.slot >= 0 || p->pad.n > 4 ||
        !(p->value.dtype == PT2C_DTYPE_F64 ? p->value.f == 0.0 : p->value.i == 0))
        return false;
    for (int32_t k = 0; k < p->pad.n; k++) {
        if (p->pad.items[k].slot >= 0)
            return false;
        pad[k] = p->pad.items[k].value;
    }
    *n_pad = p->pad.n;
    return true;
}
