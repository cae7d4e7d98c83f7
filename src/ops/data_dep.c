/*
 * data_dep.c - ops whose output size depends on the values of their inputs. Their parse
 * marks the step data-dependent, so the runtime shapes and runs the program node by node
 * (plan.c pt2c_plan_run_eager) and these shape functions can read input data.
 *
 *   nonzero(self) -> int64 [n, rank]          the index of every element != 0, row-major
 *   masked_select(self, mask) -> [n]          self's elements where mask is true, after
 *                                             broadcasting self and mask together
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
