/*
 * data_dep.c - ops whose output size depends on the values of their inputs. Their parse
 * marks the step data-dependent, so the runtime shapes and runs the program node by node
 * (plan.c pt2c_plan_run_eager) and these shape functions can read input data.
 *
 *   nonzero(self) -> int64 [n, rank]          the index of every element != 0, row-major
 *   masked_select(self, mask) -> [n]          self's elements where mask is true, after
 *                                             broadcasting self and mask together
 *   _unique2(self, sorted, return_inverse, return_counts) -> (values [n], inverse, counts)
 *                                             sorted distinct values; inverse has self's
 *                                             shape (or [0]), counts [n] (or [0])
 *   repeat_interleave.Tensor(repeats) -> int64 [sum(repeats)]   i repeated repeats[i] times
 *   repeat_interleave.self_Tensor(self, repeats, dim) -> self with slice i along dim
 *                                             repeated repeats[i] times (dim None: flattened)
 *   bincount(self, weights, minlength) -> [max(max(self) + 1, minlength)]   see below
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "ops/shape_util.h"

#include <string.h>

typedef struct count_params {
    int64_t count; /* shape time: the output's data-dependent size */
    int32_t rank;  /* masked_select: broadcast rank and sizes */
    int64_t sizes[PT2C_MAX_RANK];
} count_params;

static bool is_nonzero(const pt2c_ktensor *t, int64_t i) {
    if (t->dtype == PT2C_DTYPE_BOOL || t->dtype == PT2C_DTYPE_U8)
        return ((const uint8_t *)t->data)[i] != 0;
    if (pt2c_dtype_is_float(t->dtype))
        return pt2c_load_f64(t->data, t->dtype, i) != 0.0; /* -0.0 counts as zero */
    return pt2c_load_i64(t->data, t->dtype, i) != 0;
}

/* ---------------------------------------------------------------------------------------- */
/* nonzero                                                                                  */

pt2c_status pt2c_parse_nonzero(pt2c_op_ctx *ctx, void **params) {
    count_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    pt2c_op_set_data_dependent(ctx);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_nonzero(pt2c_op_ctx *ctx, void *params) {
    count_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    p->count = 0;
    for (int64_t i = 0; i < x->numel; i++)
        p->count += is_nonzero(x, i);
    int64_t sizes[2] = {p->count, x->rank};
    return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_I64, 2, sizes);
}

/* Output row j is the index of the j-th nonzero element; a thread finds its first row by
 * scanning, then walks forward. */
void pt2c_k_nonzero(const pt2c_kernel_args *args, int ith, int nth) {
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    int64_t rows = out->sizes[0], begin, end;
    pt2c_split_range(rows, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    int64_t *o = out->data;
    int64_t pos = -1, j = -1;
    while (j < begin) {
        pos++;
        while (!is_nonzero(x, pos))
            pos++;
        j++;
    }
    for (int64_t r = begin; r < end; r++) {
        if (r > begin) {
            pos++;
            while (!is_nonzero(x, pos))
                pos++;
        }
        int64_t rem = pos;
        for (int32_t d = x->rank - 1; d >= 0; d--) {
            int64_t size = x->sizes[d] ? x->sizes[d] : 1;
            o[r * x->rank + d] = rem % size;
            rem /= size;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* masked_select                                                                            */

pt2c_status pt2c_parse_masked_select(pt2c_op_ctx *ctx, void **params) {
    count_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "mask", NULL));
    pt2c_op_set_data_dependent(ctx);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_masked_select(pt2c_op_ctx *ctx, void *params) {
    count_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0), *m = pt2c_op_in(ctx, 1);
    if (m->dtype != PT2C_DTYPE_BOOL)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: mask is %s, expected torch.bool",
                            pt2c_dtype_name(m->dtype));
    PT2C_TRY(pt2c_op_broadcast(ctx, x, m, &p->rank, p->sizes));
    pt2c_nditer it;
    pt2c_broadcast_strides(m, p->rank, it.strides[0]);
    int64_t n = 1;
    for (int32_t d = 0; d < p->rank; d++)
        n *= p->sizes[d];
    pt2c_nditer_start(&it, p->rank, p->sizes, 1, 0);
    const uint8_t *mb = m->data;
    p->count = 0;
    for (int64_t i = 0; i < n; i++) {
        p->count += mb[it.off[0]] != 0;
        pt2c_nditer_next(&it);
    }
    return pt2c_op_set_out(ctx, 0, x->dtype, 1, &p->count);
}

/* One pass in order (thread 0): the output position of an element is the count of true
 * mask values before it, which a split would have to scan for anyway. */
void pt2c_k_masked_select(const pt2c_kernel_args *args, int ith, int nth) {
    (void)nth;
    if (ith != 0)
        return;
    const count_params *p = args->params;
    const pt2c_ktensor *x = args->in[0], *m = args->in[1];
    pt2c_ktensor *out = args->out[0];
    size_t elem = pt2c_dtype_size(x->dtype);
    int64_t n = 1;
    for (int32_t d = 0; d < p->rank; d++)
        n *= p->sizes[d];
    pt2c_nditer it;
    pt2c_broadcast_strides(x, p->rank, it.strides[0]);
    pt2c_broadcast_strides(m, p->rank, it.strides[1]);
    pt2c_nditer_start(&it, p->rank, p->sizes, 2, 0);
    const uint8_t *mb = m->data, *src = x->data;
    uint8_t *dst = out->data;
    int64_t k = 0;
    for (int64_t i = 0; i < n && k < p->count; i++) {
        if (mb[it.off[1]])
            memcpy(dst + (size_t)(k++) * elem, src + (size_t)it.off[0] * elem, elem);
        pt2c_nditer_next(&it);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* _unique2                                                                                 */

typedef struct unique_params {
    bool inverse, counts;
    int64_t n_unique; /* shape time */
} unique_params;

/* Order of elements i and j of t: integers compare as int64, floats as double. */
static bool key_less(const pt2c_ktensor *t, bool fl, int64_t i, int64_t j) {
    if (fl)
        return pt2c_load_f64(t->data, t->dtype, i) < pt2c_load_f64(t->data, t->dtype, j);
    return pt2c_load_i64(t->data, t->dtype, i) < pt2c_load_i64(t->data, t->dtype, j);
}

static bool key_eq(const pt2c_ktensor *t, bool fl, int64_t i, int64_t j) {
    if (fl)
        return pt2c_load_f64(t->data, t->dtype, i) == pt2c_load_f64(t->data, t->dtype, j);
    return pt2c_load_i64(t->data, t->dtype, i) == pt2c_load_i64(t->data, t->dtype, j);
}

/* Heap sort of element indices by value: in place, no allocation, O(n log n). Ties keep
 * no particular order, which unique does not need. */
static void sift(const pt2c_ktensor *t, bool fl, int64_t *ix, int64_t root, int64_t n) {
    for (;;) {
        int64_t child = 2 * root + 1;
        if (child >= n)
            return;
        if (child + 1 < n && key_less(t, fl, ix[child], ix[child + 1]))
            child++;
        if (!key_less(t, fl, ix[root], ix[child]))
            return;
        int64_t tmp = ix[root];
        ix[root] = ix[child];
        ix[child] = tmp;
        root = child;
    }
}

static void sort_indices(const pt2c_ktensor *t, int64_t *ix) {
    bool fl = pt2c_dtype_is_float(t->dtype);
    int64_t n = t->numel;
    for (int64_t i = 0; i < n; i++)
        ix[i] = i;
    for (int64_t i = n / 2 - 1; i >= 0; i--)
        sift(t, fl, ix, i, n);
    for (int64_t end = n - 1; end > 0; end--) {
        int64_t tmp = ix[0];
        ix[0] = ix[end];
        ix[end] = tmp;
        sift(t, fl, ix, 0, end);
    }
}

static int64_t count_distinct(const pt2c_ktensor *t, const int64_t *ix) {
    bool fl = pt2c_dtype_is_float(t->dtype);
    int64_t n = 0;
    for (int64_t k = 0; k < t->numel; k++)
        n += k == 0 || !key_eq(t, fl, ix[k], ix[k - 1]);
    return n;
}

pt2c_status pt2c_parse_unique2(pt2c_op_ctx *ctx, void **params) {
    unique_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    bool sorted;
    PT2C_TRY(pt2c_op_bool(ctx, "sorted", true, &sorted));
    PT2C_TRY(pt2c_op_bool(ctx, "return_inverse", false, &p->inverse));
    PT2C_TRY(pt2c_op_bool(ctx, "return_counts", false, &p->counts));
    pt2c_op_set_data_dependent(ctx);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_unique2(pt2c_op_ctx *ctx, void *params) {
    unique_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->dtype == PT2C_DTYPE_BOOL || pt2c_dtype_size(x->dtype) == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: unique of %s is not supported",
                            pt2c_dtype_name(x->dtype));
    /* The count needs the sorted values: a temporary index array, freed here. */
    size_t bytes = sizeof(int64_t) * (size_t)(x->numel ? x->numel : 1);
    int64_t *ix = pt2c_alloc(pt2c_op_allocator(ctx), bytes);
    if (!ix)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "shape: out of memory");
    sort_indices(x, ix);
    p->n_unique = count_distinct(x, ix);
    pt2c_dealloc(pt2c_op_allocator(ctx), ix, bytes);
    int64_t zero = 0;
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, 1, &p->n_unique));
    PT2C_TRY(p->inverse ? pt2c_op_set_out(ctx, 1, PT2C_DTYPE_I64, x->rank, x->sizes)
                        : pt2c_op_set_out(ctx, 1, PT2C_DTYPE_I64, 1, &zero));
    return pt2c_op_set_out(ctx, 2, PT2C_DTYPE_I64, 1, p->counts ? &p->n_unique : &zero);
}

size_t pt2c_scratch_unique2(pt2c_op_ctx *ctx, const void *params) {
    (void)params;
    return sizeof(int64_t) * (size_t)(pt2c_op_in(ctx, 0)->numel + 1);
}

/* Thread 0 sorts the indices into scratch, then writes values, inverse and counts. */
void pt2c_k_unique2(const pt2c_kernel_args *args, int ith, int nth) {
    (void)nth;
    if (ith != 0)
        return;
    const unique_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    int64_t *ix = args->scratch;
    sort_indices(x, ix);
    bool fl = pt2c_dtype_is_float(x->dtype);
    size_t elem = pt2c_dtype_size(x->dtype);
    uint8_t *vals = args->out[0]->data;
    int64_t *inv = args->out[1]->data, *cnt = args->out[2]->data;
    int64_t u = -1;
    for (int64_t k = 0; k < x->numel; k++) {
        if (k == 0 || !key_eq(x, fl, ix[k], ix[k - 1])) {
            u++;
            memcpy(vals + (size_t)u * elem, (const uint8_t *)x->data + (size_t)ix[k] * elem, elem);
            if (p->counts)
                cnt[u] = 0;
        }
        if (p->counts)
            cnt[u]++;
        if (p->inverse)
            inv[ix[k]] = u;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* repeat_interleave                                                                        */

typedef struct repeat_params {
    bool has_self;              /* self_Tensor / self_int form */
    bool int_repeats;           /* self_int: one count for every slice (not data-dependent) */
    pt2c_iarg repeats;          /* self_int's count */
    bool flatten;               /* dim None: self is taken flat */
    int64_t dim;                /* the repeated dim (after wrapping) */
    int64_t total;              /* shape time: sum of repeats (times size when broadcast) */
    int64_t count;              /* shape time: self_int's count, resolved */
    int64_t outer, inner, size; /* self as [outer, size, inner] around dim */
} repeat_params;

static pt2c_status parse_repeat(pt2c_op_ctx *ctx, void **params, bool has_self, bool int_rep) {
    repeat_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->has_self = has_self;
    if (has_self) {
        PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
        bool present;
        pt2c_iarg dim;
        PT2C_TRY(pt2c_op_optional_int(ctx, "dim", &present, &dim));
        p->flatten = !present;
        p->dim = dim.value;
    }
    p->int_repeats = int_rep;
    if (int_rep) {
        PT2C_TRY(pt2c_op_int(ctx, "repeats", 1, &p->repeats));
    } else {
        PT2C_TRY(pt2c_op_input(ctx, "repeats", NULL));
        pt2c_op_set_data_dependent(ctx);
    }
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_repeat_interleave(pt2c_op_ctx *ctx, void **params) {
    return parse_repeat(ctx, params, false, false);
}

pt2c_status pt2c_parse_repeat_interleave_self(pt2c_op_ctx *ctx, void **params) {
    return parse_repeat(ctx, params, true, false);
}

pt2c_status pt2c_parse_repeat_interleave_self_int(pt2c_op_ctx *ctx, void **params) {
    return parse_repeat(ctx, params, true, true);
}

/* The repeat count of slice i. */
static int64_t repeat_of(const repeat_params *p, int64_t count_int, const pt2c_ktensor *r,
                         int64_t i) {
    if (p->int_repeats)
        return count_int;
    return pt2c_load_i64(r->data, r->dtype, r->numel == 1 ? 0 : i);
}

pt2c_status pt2c_shape_repeat_interleave(pt2c_op_ctx *ctx, void *params) {
    repeat_params *p = params;
    const pt2c_ktensor *r = p->int_repeats ? NULL : pt2c_op_in(ctx, p->has_self ? 1 : 0);
    int64_t count_int = p->int_repeats ? pt2c_op_iarg(ctx, &p->repeats) : 0;
    if (r && (r->rank > 1 || (r->dtype != PT2C_DTYPE_I64 && r->dtype != PT2C_DTYPE_I32)))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: repeats must be a 0-d or 1-d integer tensor, found %s with "
                            "%d dims",
                            pt2c_dtype_name(r->dtype), (int)r->rank);
    p->outer = p->inner = 1;
    p->size = r ? r->numel : 1;
    int64_t sizes[PT2C_MAX_RANK];
    int32_t rank = 1;
    if (p->has_self) {
        const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
        int32_t d = 0;
        if (p->flatten) {
            p->size = x->numel;
        } else {
            PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", p->dim, x->rank, &d));
            p->dim = d;
            p->size = x->rank ? x->sizes[d] : 1;
            for (int32_t k = 0; k < d; k++)
                p->outer *= x->sizes[k];
            for (int32_t k = d + 1; k < x->rank; k++)
                p->inner *= x->sizes[k];
        }
        if (r && r->numel != 1 && r->numel != p->size)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: %lld repeats for a dim of size %lld, expected 1 or %lld",
                                (long long)r->numel, (long long)p->size, (long long)p->size);
        rank = p->flatten ? 1 : x->rank;
        for (int32_t k = 0; k < rank && !p->flatten; k++)
            sizes[k] = x->sizes[k];
    }
    p->total = 0;
    p->count = count_int;
    for (int64_t i = 0; i < (p->has_self ? p->size : r->numel); i++) {
        int64_t v = repeat_of(p, count_int, r, i);
        if (v < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: repeats has a negative value");
        p->total += v;
    }
    if (!p->has_self)
        return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_I64, 1, &p->total);
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    sizes[p->flatten ? 0 : p->dim] = p->total;
    return pt2c_op_set_out(ctx, 0, x->dtype, rank, sizes);
}

/* Thread 0 walks the repeats in order (each output row's source is a running sum). */
void pt2c_k_repeat_interleave(const pt2c_kernel_args *args, int ith, int nth) {
    (void)nth;
    if (ith != 0)
        return;
    const repeat_params *p = args->params;
    const pt2c_ktensor *r = p->int_repeats ? NULL : args->in[p->has_self ? 1 : 0];
    pt2c_ktensor *out = args->out[0];
    if (!p->has_self) {
        int64_t *o = out->data, k = 0;
        for (int64_t i = 0; i < r->numel; i++)
            for (int64_t n = pt2c_load_i64(r->data, r->dtype, i); n > 0; n--)
                o[k++] = i;
        return;
    }
    const pt2c_ktensor *x = args->in[0];
    size_t row = pt2c_dtype_size(x->dtype) * (size_t)p->inner;
    const uint8_t *src = x->data;
    uint8_t *dst = out->data;
    for (int64_t o = 0; o < p->outer; o++)
        for (int64_t i = 0; i < p->size; i++) {
            int64_t n = repeat_of(p, p->count, r, i);
            const uint8_t *s = src + ((size_t)o * (size_t)p->size + (size_t)i) * row;
            for (; n > 0; n--, dst += row)
                memcpy(dst, s, row);
        }
}

/* ---------------------------------------------------------------------------------------- */
/* bincount(self, weights=None, minlength=0)                                                */
/*
 * out[b] = the number of elements of self equal to b (or the sum of their weights), for b in
 * [0, max(max(self) + 1, minlength)). self is 1-d, integer, non-negative (PyTorch raises on a
 * negative value: the shape function, which reads the data, fails). Without weights int64;
 * float32 weights give float32, others float64 (PyTorch's CPU kernel), summed in that type
 * in self's order. Each thread owns a range of bins and walks all of self.
 */

typedef struct bincount_params {
    pt2c_iarg minlength;
    int32_t weights; /* input index, -1 for None */
    int64_t bins;    /* shape time */
} bincount_params;

pt2c_status pt2c_parse_bincount(pt2c_op_ctx *ctx, void **params) {
    bincount_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(pt2c_op_input_optional(ctx, "weights", &p->weights));
    PT2C_TRY(pt2c_op_int(ctx, "minlength", 0, &p->minlength));
    pt2c_op_set_data_dependent(ctx);
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_bincount(pt2c_op_ctx *ctx, void *params) {
    bincount_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (x->rank != 1 || !pt2c_dtype_is_integral(x->dtype, false))
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: bincount takes a 1-d integer tensor, found %s with %d dims",
                            pt2c_dtype_name(x->dtype), (int)x->rank);
    int64_t minlength = pt2c_op_iarg(ctx, &p->minlength);
    if (minlength < 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: minlength is %lld, expected >= 0",
                            (long long)minlength);
    pt2c_dtype out = PT2C_DTYPE_I64;
    if (p->weights >= 0) {
        const pt2c_ktensor *w = pt2c_op_in(ctx, p->weights);
        if (w->rank != 1 || w->numel != x->numel || !pt2c_dtype_castable(w->dtype))
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: weights must be 1-d with self's %lld elements",
                                (long long)x->numel);
        out = w->dtype == PT2C_DTYPE_F32 ? PT2C_DTYPE_F32 : PT2C_DTYPE_F64;
    }
    int64_t bins = minlength;
    for (int64_t i = 0; i < x->numel; i++) {
        int64_t v = pt2c_load_i64(x->data, x->dtype, i);
        if (v < 0)
            return pt2c_op_fail(ctx, PT2C_ERR_VALUE,
                                "run: bincount of a negative value (%lld at %lld); PyTorch "
                                "raises",
                                (long long)v, (long long)i);
        if (v + 1 > bins)
            bins = v + 1;
    }
    p->bins = bins;
    return pt2c_op_set_out(ctx, 0, out, 1, &bins);
}

void pt2c_k_bincount(const pt2c_kernel_args *args, int ith, int nth) {
    const bincount_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    const pt2c_ktensor *w = p->weights >= 0 ? args->in[p->weights] : NULL;
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(p->bins, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    if (!w) {
        int64_t *o = out->data;
        for (int64_t b = begin; b < end; b++)
            o[b] = 0;
        for (int64_t i = 0; i < x->numel; i++) {
            int64_t v = pt2c_load_i64(x->data, x->dtype, i);
            if (v >= begin && v < end)
                o[v]++;
        }
    } else if (out->dtype == PT2C_DTYPE_F32) {
        float *o = out->data;
        const float *wf = w->data;
        for (int64_t b = begin; b < end; b++)
            o[b] = 0.0f;
        for (int64_t i = 0; i < x->numel; i++) {
            int64_t v = pt2c_load_i64(x->data, x->dtype, i);
            if (v >= begin && v < end)
                o[v] += wf[i];
        }
    } else {
        double *o = out->data;
        for (int64_t b = begin; b < end; b++)
            o[b] = 0.0;
        for (int64_t i = 0; i < x->numel; i++) {
            int64_t v = pt2c_load_i64(x->data, x->dtype, i);
            if (v >= begin && v < end)
                o[v] += pt2c_load_f64(w->data, w->dtype, i);
        }
    }
}
