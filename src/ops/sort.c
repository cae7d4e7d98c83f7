/*
 * sort.c - sorting and top-k along one dim.
 *
 *   sort(self, int dim=-1, bool descending=False) -> (values, int64 indices)
 *   sort.stable(self, *, bool? stable, int dim=-1, bool descending=False)
 *   argsort(self, int dim=-1, bool descending=False), argsort.stable -> indices
 *   topk(self, SymInt k, int dim=-1, bool largest=True, bool sorted=True)
 *       -> (values[.., k, ..], int64 indices)
 *
 * Order: NaN is larger than every number (first in descending order, last in ascending).
 * sort is stable on PyTorch's CPU whatever `stable` says: equal values keep their index
 * order. topk's order among equal values is whatever PyTorch's CPU kernel (TopKImpl.h)
 * leaves: it fills (value, index) pairs and runs libstdc++'s std::partial_sort when
 * k * 64 <= n, else std::nth_element and std::sort of the first k - 1, comparing values
 * only. Those algorithms are deterministic, so they are reproduced here step for step
 * (introselect with median-of-three pivots, heap select, insertion sort below 16) and the
 * indices of tied values match PyTorch's exactly.
 *
 * median / nanmedian of the whole tensor: see their section below.
 *
 * Shapes: the input seen as [outer, n, inner]; one (outer, inner) line per work unit.
 * Scratch: n (value, index) pairs per thread (each thread has its own).
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <math.h>
#include <string.h>

typedef struct sort_elem {
    union {
        double f;
        int64_t i;
    } key;
    int64_t idx;
} sort_elem;

typedef struct sort_cmp {
    bool is_float;
    bool largest;  /* descending */
    bool by_index; /* break ties by index (a stable order) */
} sort_cmp;

/* The comparator of TopKImpl.h: x goes before y. */
static inline bool before(const sort_cmp *c, const sort_elem *x, const sort_elem *y) {
    bool lt, gt;
    if (c->is_float) {
        double a = x->key.f, b = y->key.f;
        bool na = isnan(a), nb = isnan(b);
        gt = (na && !nb) || a > b;
        lt = (!na && nb) || a < b;
    } else {
        gt = x->key.i > y->key.i;
        lt = x->key.i < y->key.i;
    }
    bool v = c->largest ? gt : lt;
    if (v || !c->by_index)
        return v;
    return !(c->largest ? lt : gt) && x->idx < y->idx;
}

static inline void swap_elem(sort_elem *a, sort_elem *b) {
    sort_elem t = *a;
    *a = *b;
    *b = t;
}

/* ---------------------------------------------------------------------------------------- */
/* libstdc++'s algorithms (bits/stl_heap.h, bits/stl_algo.h), same steps, same order.      */

static void push_heap(const sort_cmp *c, sort_elem *first, int64_t hole, int64_t top,
                      sort_elem value) {
    int64_t parent = (hole - 1) / 2;
    while (hole > top && before(c, &first[parent], &value)) {
        first[hole] = first[parent];
        hole = parent;
        parent = (hole - 1) / 2;
    }
    first[hole] = value;
}

static void adjust_heap(const sort_cmp *c, sort_elem *first, int64_t hole, int64_t len,
                        sort_elem value) {
    int64_t top = hole, child = hole;
    while (child < (len - 1) / 2) {
        child = 2 * (child + 1);
        if (before(c, &first[child], &first[child - 1]))
            child--;
        first[hole] = first[child];
        hole = child;
    }
    if ((len & 1) == 0 && child == (len - 2) / 2) {
        child = 2 * (child + 1);
        first[hole] = first[child - 1];
        hole = child - 1;
    }
    push_heap(c, first, hole, top, value);
}

static void make_heap(const sort_cmp *c, sort_elem *first, int64_t len) {
    if (len < 2)
        return;
    for (int64_t parent = (len - 2) / 2;; parent--) {
        adjust_heap(c, first, parent, len, first[parent]);
        if (parent == 0)
            return;
    }
}

/* __pop_heap(first, first + len, result) */
static void pop_heap(const sort_cmp *c, sort_elem *first, int64_t len, sort_elem *result) {
    sort_elem value = *result;
    *result = first[0];
    adjust_heap(c, first, 0, len, value);
}

static void heap_select(const sort_cmp *c, sort_elem *first, sort_elem *middle, sort_elem *last) {
    make_heap(c, first, middle - first);
    for (sort_elem *i = middle; i < last; i++)
        if (before(c, i, first))
            pop_heap(c, first, middle - first, i);
}

static void sort_heap(const sort_cmp *c, sort_elem *first, sort_elem *last) {
    while (last - first > 1) {
        last--;
        pop_heap(c, first, last - first, last);
    }
}

static void partial_sort(const sort_cmp *c, sort_elem *first, sort_elem *middle, sort_elem *last) {
    heap_select(c, first, middle, last);
    sort_heap(c, first, middle);
}

static void move_median_to_first(const sort_cmp *c, sort_elem *result, sort_elem *a, sort_elem *b,
                                 sort_elem *d) {
    if (before(c, a, b)) {
        if (before(c, b, d))
            swap_elem(result, b);
        else if (before(c, a, d))
            swap_elem(result, d);
        else
            swap_elem(result, a);
    } else if (before(c, a, d)) {
        swap_elem(result, a);
    } else if (before(c, b, d)) {
        swap_elem(result, d);
    } else {
        swap_elem(result, b);
    }
}

static sort_elem *unguarded_partition(const sort_cmp *c, sort_elem *first, sort_elem *last,
                                      const sort_elem *pivot) {
    for (;;) {
        while (before(c, first, pivot))
            first++;
        last--;
        while (before(c, pivot, last))
            last--;
        if (!(first < last))
            return first;
        swap_elem(first, last);
        first++;
    }
}

static sort_elem *unguarded_partition_pivot(const sort_cmp *c, sort_elem *first, sort_elem *last) {
    sort_elem *mid = first + (last - first) / 2;
    move_median_to_first(c, first, first + 1, mid, last - 1);
    return unguarded_partition(c, first + 1, last, first);
}

static void unguarded_linear_insert(const sort_cmp *c, sort_elem *last) {
    sort_elem value = *last;
    sort_elem *next = last - 1;
    while (before(c, &value, next)) {
        *last = *next;
        last = next;
        next--;
    }
    *last = value;
}

static void insertion_sort(const sort_cmp *c, sort_elem *first, sort_elem *last) {
    if (first == last)
        return;
    for (sort_elem *i = first + 1; i != last; i++) {
        if (before(c, i, first)) {
            sort_elem value = *i;
            memmove(first + 1, first, sizeof *first * (size_t)(i - first));
            *first = value;
        } else {
            unguarded_linear_insert(c, i);
        }
    }
}

static int64_t floor_log2(int64_t n) {
    int64_t r = 0;
    while (n > 1) {
        n >>= 1;
        r++;
    }
    return r;
}

static void introsort_loop(const sort_cmp *c, sort_elem *first, sort_elem *last, int64_t depth) {
    while (last - first > 16) {
        if (depth == 0) {
            partial_sort(c, first, last, last);
            return;
        }
        depth--;
        sort_elem *cut = unguarded_partition_pivot(c, first, last);
        introsort_loop(c, cut, last, depth);
        last = cut;
    }
}

/* std::sort */
static void std_sort(const sort_cmp *c, sort_elem *first, sort_elem *last) {
    if (first == last)
        return;
    introsort_loop(c, first, last, floor_log2(last - first) * 2);
    if (last - first > 16) {
        insertion_sort(c, first, first + 16);
        for (sort_elem *i = first + 16; i != last; i++)
            unguarded_linear_insert(c, i);
    } else {
        insertion_sort(c, first, last);
    }
}

/* std::nth_element */
static void nth_element(const sort_cmp *c, sort_elem *first, sort_elem *nth, sort_elem *last) {
    if (first == last || nth == last)
        return;
    int64_t depth = floor_log2(last - first) * 2;
    while (last - first > 3) {
        if (depth == 0) {
            heap_select(c, first, nth + 1, last);
            swap_elem(first, nth);
            return;
        }
        depth--;
        sort_elem *cut = unguarded_partition_pivot(c, first, last);
        if (cut <= nth)
            first = cut;
        else
            last = cut;
    }
    insertion_sort(c, first, last);
}

/* ---------------------------------------------------------------------------------------- */
/* Ops                                                                                      */

typedef struct sort_params {
    bool topk;
    bool descending; /* sort: descending; topk: largest */
    bool stable;     /* sort: ties keep their index order */
    bool sorted;     /* topk */
    bool values_out; /* output 0 is the values (not argsort) */
    pt2c_iarg dim, k;
    /* Resolved per shape. */
    int64_t outer, n, inner, kk; /* kk: outputs per line (k, or n for sort) */
} sort_params;

static pt2c_status parse_sort_common(pt2c_op_ctx *ctx, void **params, bool values,
                                     bool stable_overload) {
    sort_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->values_out = values;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    if (stable_overload)
        PT2C_TRY(pt2c_op_bool(ctx, "stable", false, &p->stable));
    PT2C_TRY(pt2c_op_int(ctx, "dim", -1, &p->dim));
    PT2C_TRY(pt2c_op_bool(ctx, "descending", false, &p->descending));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_sort(pt2c_op_ctx *ctx, void **params) {
    return parse_sort_common(ctx, params, true, false);
}
pt2c_status pt2c_parse_sort_stable(pt2c_op_ctx *ctx, void **params) {
    return parse_sort_common(ctx, params, true, true);
}
pt2c_status pt2c_parse_argsort(pt2c_op_ctx *ctx, void **params) {
    return parse_sort_common(ctx, params, false, false);
}
pt2c_status pt2c_parse_argsort_stable(pt2c_op_ctx *ctx, void **params) {
    return parse_sort_common(ctx, params, false, true);
}

pt2c_status pt2c_parse_topk(pt2c_op_ctx *ctx, void **params) {
    sort_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->topk = true;
    p->values_out = true;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    const pt2c_arg *a = pt2c_op_arg(ctx, "k");
    if (!a || a->kind == PT2C_ARG_NONE)
        return pt2c_op_fail(ctx, PT2C_ERR_FORMAT, "argument 'k': missing (expected an int)");
    PT2C_TRY(pt2c_op_int(ctx, "k", 0, &p->k));
    PT2C_TRY(pt2c_op_int(ctx, "dim", -1, &p->dim));
    PT2C_TRY(pt2c_op_bool(ctx, "largest", true, &p->descending));
    PT2C_TRY(pt2c_op_bool(ctx, "sorted", true, &p->sorted));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_shape_sort(pt2c_op_ctx *ctx, void *params) {
    sort_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    if (!pt2c_dtype_is_float(x->dtype) && !pt2c_dtype_is_integral(x->dtype, true))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: sorting %s is not supported",
                            pt2c_dtype_name(x->dtype));
    int32_t d;
    PT2C_TRY(pt2c_op_wrap_dim(ctx, "dim", pt2c_op_iarg(ctx, &p->dim), x->rank, &d));
    p->outer = p->inner = 1;
    p->n = x->rank ? x->sizes[d] : 1;
    for (int32_t i = 0; i < x->rank; i++) {
        if (i < d)
            p->outer *= x->sizes[i];
        else if (i > d)
            p->inner *= x->sizes[i];
    }
    p->kk = p->n;
    /* PyTorch (built with FBGEMM) sorts big 1-D integer tensors in ascending order with a
     * stable radix sort. */
    if (!p->topk && x->rank == 1 && pt2c_dtype_is_integral(x->dtype, false) && !p->descending &&
        x->numel >= 32768)
        p->stable = true;
    if (p->topk) {
        p->kk = pt2c_op_iarg(ctx, &p->k);
        if (p->kk < 0 || p->kk > p->n)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "argument 'k': %lld is out of range; the dim has %lld elements",
                                (long long)p->kk, (long long)p->n);
    }
    int64_t sizes[PT2C_MAX_RANK];
    memcpy(sizes, x->sizes, sizeof(int64_t) * (size_t)x->rank);
    if (x->rank)
        sizes[d] = p->kk;
    if (!p->values_out)
        return pt2c_op_set_out(ctx, 0, PT2C_DTYPE_I64, x->rank, sizes);
    PT2C_TRY(pt2c_op_set_out(ctx, 0, x->dtype, x->rank, sizes));
    if (pt2c_op_n_out(ctx) > 1)
        PT2C_TRY(pt2c_op_set_out(ctx, 1, PT2C_DTYPE_I64, x->rank, sizes));
    return PT2C_OK;
}

size_t pt2c_scratch_sort(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    const sort_params *p = params;
    return (size_t)p->n * sizeof(sort_elem); /* each thread: one line */
}

void pt2c_k_sort(const pt2c_kernel_args *args, int ith, int nth) {
    const sort_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *values = p->values_out ? args->out[0] : NULL;
    pt2c_ktensor *indices = p->values_out ? (args->n_out > 1 ? args->out[1] : NULL) : args->out[0];
    int64_t begin, end;
    pt2c_split_range(p->outer * p->inner, ith, nth, &begin, &end);
    if (begin >= end || p->kk == 0)
        return;
    sort_elem *q = args->scratch;
    sort_cmp c = {pt2c_dtype_is_float(x->dtype), p->descending, p->stable};
    for (int64_t l = begin; l < end; l++) {
        int64_t base = (l / p->inner) * p->n * p->inner + l % p->inner;
        int64_t obase = (l / p->inner) * p->kk * p->inner + l % p->inner;
        for (int64_t j = 0; j < p->n; j++) {
            int64_t i = base + j * p->inner;
            if (c.is_float)
                q[j].key.f = pt2c_load_f64(x->data, x->dtype, i);
            else
                q[j].key.i = pt2c_load_i64(x->data, x->dtype, i);
            q[j].idx = j;
        }
        if (!p->topk) {
            std_sort(&c, q, q + p->n);
        } else if (p->kk * 64 <= p->n) {
            partial_sort(&c, q, q + p->kk, q + p->n);
        } else {
            nth_element(&c, q, q + p->kk - 1, q + p->n);
            if (p->sorted)
                std_sort(&c, q, q + p->kk - 1);
        }
        for (int64_t j = 0; j < p->kk; j++) {
            int64_t o = obase + j * p->inner;
            if (values) {
                if (c.is_float)
                    pt2c_store_f64(values->data, values->dtype, o, q[j].key.f);
                else
                    pt2c_store_i64(values->data, values->dtype, o, q[j].key.i);
            }
            if (indices)
                ((int64_t *)indices->data)[o] = q[j].idx;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* median / nanmedian of the whole tensor                                                   */
/*
 *   median(self) -> 0-dim   the lower median: the ((n - 1) / 2)-th smallest of the n
 *                           elements; NaN if any element is NaN
 *   nanmedian(self) -> 0-dim   the same over the elements that are not NaN (NaN if none)
 * Floats and integers (not bool); an empty float tensor gives NaN. One value: thread 0 does
 * it, ordering the elements in its scratch with a heap sort on keys that order as the
 * values (floats mapped to integers whose order is the numbers').
 */

typedef struct median_params {
    bool skip_nan;
    int64_t numel; /* shape time: elements of self */
} median_params;

static pt2c_status parse_median_common(pt2c_op_ctx *ctx, void **params, bool skip_nan) {
    median_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->skip_nan = skip_nan;
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_median(pt2c_op_ctx *ctx, void **params) {
    return parse_median_common(ctx, params, false);
}

pt2c_status pt2c_parse_nanmedian(pt2c_op_ctx *ctx, void **params) {
    return parse_median_common(ctx, params, true);
}

pt2c_status pt2c_shape_median(pt2c_op_ctx *ctx, void *params) {
    median_params *p = params;
    const pt2c_ktensor *x = pt2c_op_in(ctx, 0);
    p->numel = x->numel;
    bool is_float = pt2c_dtype_is_float(x->dtype);
    if (!is_float && !pt2c_dtype_is_integral(x->dtype, false))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED, "shape: median of %s is not supported",
                            pt2c_dtype_name(x->dtype));
    if (!is_float && x->numel == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE, "shape: median of an empty integer tensor");
    return pt2c_op_set_out(ctx, 0, x->dtype, 0, NULL);
}

size_t pt2c_scratch_median(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    const median_params *p = params;
    return sizeof(int64_t) * (size_t)(p->numel > 0 ? p->numel : 1);
}

/* A double's bits as an int64 in the same order as the numbers (-0 just below +0). */
static inline int64_t f64_key(double v) {
    int64_t b;
    memcpy(&b, &v, sizeof b);
    return b < 0 ? (int64_t)((uint64_t)b ^ 0x7fffffffffffffffULL) : b;
}

static inline double key_f64(int64_t k) {
    int64_t b = k < 0 ? (int64_t)((uint64_t)k ^ 0x7fffffffffffffffULL) : k;
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static void sift_down(int64_t *a, int64_t root, int64_t n) {
    for (;;) {
        int64_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && a[c + 1] > a[c])
            c++;
        if (a[root] >= a[c])
            return;
        int64_t t = a[root];
        a[root] = a[c];
        a[c] = t;
        root = c;
    }
}

static void heap_sort_i64(int64_t *a, int64_t n) {
    for (int64_t i = n / 2 - 1; i >= 0; i--)
        sift_down(a, i, n);
    for (int64_t end = n - 1; end > 0; end--) {
        int64_t t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

void pt2c_k_median(const pt2c_kernel_args *args, int ith, int nth) {
    (void)nth;
    if (ith != 0)
        return;
    const median_params *p = args->params;
    const pt2c_ktensor *x = args->in[0];
    pt2c_ktensor *out = args->out[0];
    bool is_float = pt2c_dtype_is_float(x->dtype);
    int64_t *keys = args->scratch, n = 0;
    bool nan = false;
    for (int64_t i = 0; i < x->numel; i++) {
        if (is_float) {
            double v = pt2c_load_f64(x->data, x->dtype, i);
            if (isnan(v)) {
                nan = true;
                continue;
            }
            keys[n++] = f64_key(v);
        } else {
            keys[n++] = pt2c_load_i64(x->data, x->dtype, i);
        }
    }
    if (n == 0 || (nan && !p->skip_nan)) {
        pt2c_store_f64(out->data, out->dtype, 0, (double)NAN);
        return;
    }
    heap_sort_i64(keys, n);
    int64_t k = keys[(n - 1) / 2];
    if (is_float)
        pt2c_store_f64(out->data, out->dtype, 0, key_f64(k));
    else
        pt2c_store_i64(out->data, out->dtype, 0, k);
}
