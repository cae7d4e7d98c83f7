/*
 * search.c - binary search of values in sorted boundaries.
 *
 *   searchsorted.Tensor(sorted_sequence, self, *, bool out_int32=False, bool right=False,
 *                       str? side=None, Tensor? sorter=None)
 *       out[p] = the insertion point of self[p] in its row of sorted_sequence: the first i
 *       with seq[i] >= v (left), or > v (right=True or side="right"). A 1-d sequence serves
 *       every value; otherwise seq.shape[:-1] == self.shape[:-1] and row p[:-1] is searched.
 *       sorter (int64, seq's shape) reads the sequence as seq[sorter[i]] in its row.
 *       out has self's shape, int64 (int32 with out_int32).
 *   searchsorted.Scalar(sorted_sequence, Scalar self, ...)   a 1-d sequence, 0-dim out
 *   bucketize.Tensor(self, Tensor boundaries, *, bool out_int32=False, bool right=False)
 *       searchsorted(boundaries, self, right=right) with 1-d boundaries
 *
 * Comparisons are PyTorch's (!(mid >= v) steps right, or !(mid > v)), so a NaN value lands
 * after everything and NaN boundaries compare as PyTorch's do. Float inputs compare as
 * double (exact for every float dtype), integer inputs as int64. A sorter value outside
 * the row raises the index fault, where PyTorch raises.
 */
#include "ops/elem.h"
#include "ops/op_decls.h"
#include "ops/promote.h"

#include <string.h>

typedef struct search_params {
    bool out_int32, right;
    bool scalar;       /* searchsorted.Scalar: the value is `value` */
    pt2c_scalar value; /* searchsorted.Scalar */
    int32_t sorter;    /* input index, -1 for None */
    /* shape time: */
    int64_t n;       /* sequence row length */
    int64_t row_len; /* values per sequence row (0: one row serves all) */
    bool as_float;   /* compare as double */
    double vf;       /* searchsorted.Scalar's value, resolved */
    int64_t vi;
} search_params;

static pt2c_status parse_search_flags(pt2c_op_ctx *ctx, search_params *p) {
    PT2C_TRY(pt2c_op_bool(ctx, "out_int32", false, &p->out_int32));
    return pt2c_op_bool(ctx, "right", false, &p->right);
}

static pt2c_status parse_searchsorted(pt2c_op_ctx *ctx, void **params, bool scalar) {
    search_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->scalar = scalar;
    p->sorter = -1;
    PT2C_TRY(pt2c_op_input(ctx, "sorted_sequence", NULL));
    if (scalar)
        PT2C_TRY(pt2c_op_scalar(ctx, "self", NULL, &p->value));
    else
        PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(parse_search_flags(ctx, p));
    const char *side = NULL;
    PT2C_TRY(pt2c_op_string(ctx, "side", NULL, &side));
    if (side) {
        bool right = strcmp(side, "right") == 0;
        if (!right && strcmp(side, "left") != 0)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "argument 'side': '%s' is not 'left' or 'right'", side);
        if (p->right && !right)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "argument 'side': 'left' contradicts right=True");
        p->right = right;
    }
    PT2C_TRY(pt2c_op_input_optional(ctx, "sorter", &p->sorter));
    *params = p;
    return PT2C_OK;
}

pt2c_status pt2c_parse_searchsorted(pt2c_op_ctx *ctx, void **params) {
    return parse_searchsorted(ctx, params, false);
}

pt2c_status pt2c_parse_searchsorted_scalar(pt2c_op_ctx *ctx, void **params) {
    return parse_searchsorted(ctx, params, true);
}

pt2c_status pt2c_parse_bucketize(pt2c_op_ctx *ctx, void **params) {
    search_params *p = pt2c_op_params(ctx, sizeof *p);
    if (!p)
        return pt2c_op_fail(ctx, PT2C_ERR_NOMEM, "plan: out of memory");
    p->sorter = -1;
    /* Kernel order as searchsorted's: the boundaries, then the values. */
    PT2C_TRY(pt2c_op_input(ctx, "boundaries", NULL));
    PT2C_TRY(pt2c_op_input(ctx, "self", NULL));
    PT2C_TRY(parse_search_flags(ctx, p));
    *params = p;
    return PT2C_OK;
}

static bool searchable(pt2c_dtype t) {
    return pt2c_dtype_is_float(t) || (pt2c_dtype_is_integral(t, false) && t != PT2C_DTYPE_U64);
}

pt2c_status pt2c_shape_search(pt2c_op_ctx *ctx, void *params) {
    search_params *p = params;
    const pt2c_ktensor *seq = pt2c_op_in(ctx, 0);
    const pt2c_ktensor *v = p->scalar ? NULL : pt2c_op_in(ctx, 1);
    pt2c_dtype vt =
        v ? v->dtype : (pt2c_op_scalar_is_float(ctx, &p->value) ? PT2C_DTYPE_F64 : PT2C_DTYPE_I64);
    if (!searchable(seq->dtype) || !searchable(vt))
        return pt2c_op_fail(ctx, PT2C_ERR_UNSUPPORTED,
                            "shape: searching %s values in %s boundaries is not supported",
                            pt2c_dtype_name(vt), pt2c_dtype_name(seq->dtype));
    p->as_float = pt2c_dtype_is_float(seq->dtype) || pt2c_dtype_is_float(vt);
    if (p->scalar) {
        p->vf = pt2c_op_scalar_f64(ctx, &p->value);
        p->vi = pt2c_op_scalar_i64(ctx, &p->value);
    }
    if (seq->rank == 0)
        return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                            "shape: the boundaries are 0-dim, expected a "
                            "1-d (or batched) sorted sequence");
    p->n = seq->sizes[seq->rank - 1];
    p->row_len = 0;
    if (seq->rank > 1) {
        bool same = v && v->rank == seq->rank;
        for (int32_t d = 0; same && d + 1 < seq->rank; d++)
            same = v->sizes[d] == seq->sizes[d];
        if (!same)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: sorted_sequence has %d dims: the values must match all "
                                "but its last dim",
                                (int)seq->rank);
        p->row_len = v->sizes[v->rank - 1];
    }
    if (p->sorter >= 0) {
        const pt2c_ktensor *s = pt2c_op_in(ctx, p->sorter);
        bool same = s->rank == seq->rank && s->dtype == PT2C_DTYPE_I64;
        for (int32_t d = 0; same && d < seq->rank; d++)
            same = s->sizes[d] == seq->sizes[d];
        if (!same)
            return pt2c_op_fail(ctx, PT2C_ERR_SHAPE,
                                "shape: sorter must be int64 with sorted_sequence's shape");
    }
    pt2c_dtype out = p->out_int32 ? PT2C_DTYPE_I32 : PT2C_DTYPE_I64;
    if (!v)
        return pt2c_op_set_out(ctx, 0, out, 0, NULL);
    return pt2c_op_set_out(ctx, 0, out, v->rank, v->sizes);
}

void pt2c_k_search(const pt2c_kernel_args *args, int ith, int nth) {
    const search_params *p = args->params;
    const pt2c_ktensor *seq = args->in[0], *v = p->scalar ? NULL : args->in[1];
    const pt2c_ktensor *sorter = p->sorter >= 0 ? args->in[p->sorter] : NULL;
    pt2c_ktensor *out = args->out[0];
    int64_t begin, end;
    pt2c_split_range(out->numel, ith, nth, &begin, &end);
    for (int64_t i = begin; i < end; i++) {
        int64_t row = p->row_len > 0 ? (i / p->row_len) * p->n : 0;
        double vf = 0.0;
        int64_t vi = 0;
        if (p->as_float)
            vf = v ? pt2c_load_f64(v->data, v->dtype, i) : p->vf;
        else
            vi = v ? pt2c_load_i64(v->data, v->dtype, i) : p->vi;
        int64_t lo = 0, hi = p->n;
        while (lo < hi) {
            int64_t mid = lo + ((hi - lo) >> 1), at = row + mid;
            if (sorter) {
                int64_t s = ((const int64_t *)sorter->data)[row + mid];
                if (s < 0 || s >= p->n) {
                    pt2c_kernel_raise(args, PT2C_FAULT_INDEX, p->sorter, seq->rank - 1, s, p->n);
                    s = 0;
                }
                at = row + s;
            }
            bool step;
            if (p->as_float) {
                double m = pt2c_load_f64(seq->data, seq->dtype, at);
                step = p->right ? !(m > vf) : !(m >= vf);
            } else {
                int64_t m = pt2c_load_i64(seq->data, seq->dtype, at);
                step = p->right ? !(m > vi) : !(m >= vi);
            }
            if (step)
                lo = mid + 1;
            else
                hi = mid;
        }
        pt2c_store_i64(out->data, out->dtype, i, lo);
    }
}
