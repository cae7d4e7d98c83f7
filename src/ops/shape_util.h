/*
 * shape_util.h - helpers shared by the shape, creation, indexing and concatenation ops
 * (shape.c, create.c, index.c, concat.c, shape_meta.c).
 *
 *   pt2c_strided   "out[i0..in] = src[offset + sum(i_d * stride_d)]": every view PyTorch
 *                  expresses with sizes, strides and an offset (select, slice, narrow,
 *                  expand, transpose, flip, split pieces, repeat) becomes this one copy.
 *                  Strides may be 0 (broadcast) or negative (flip).
 *   pt2c_nditer    walks output elements [begin, end) keeping up to PT2C_NDITER_MAX operand
 *                  offsets (broadcast strides), so kernels split work by output element.
 *   casts          one element or a run from any real dtype to any other with PyTorch's
 *                  conversion rules (float -> int truncates, any -> bool is x != 0).
 *   fill values    a Scalar encoded once, at shape time, as the bytes of one element of the
 *                  output dtype; kernels then copy bytes.
 */
#ifndef PT2C_SHAPE_UTIL_H
#define PT2C_SHAPE_UTIL_H

#include "ops/ops.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* repeat() needs two iteration dims per input dim; index_put walks self, up to one index
 * tensor per dim, and the values. */
enum { PT2C_STRIDED_MAX_RANK = 2 * PT2C_MAX_RANK, PT2C_NDITER_MAX = PT2C_MAX_RANK + 2 };

typedef struct pt2c_strided {
    int32_t rank;
    int64_t sizes[PT2C_STRIDED_MAX_RANK];   /* output sizes, dim 0 outermost */
    int64_t strides[PT2C_STRIDED_MAX_RANK]; /* source elements per step along each dim */
    int64_t offset;                         /* source element of output element 0 */
} pt2c_strided;

/* Row-major element strides of a dense tensor of the given sizes. */
void pt2c_contig_strides(int32_t rank, const int64_t *sizes, int64_t *strides);

/* Drop size-1 dims and merge dims that step through the source contiguously, so the copy
 * loops run over as few, as long, dims as possible. The element order is unchanged. */
void pt2c_strided_simplify(pt2c_strided *m);

/* dst[i] = src[map(i)] for output elements [begin, end); elem bytes per element. */
void pt2c_strided_copy(const pt2c_strided *m, const void *src, void *dst, size_t elem,
                       int64_t begin, int64_t end);

/* Walk of an output of `rank` dims with n operands, each with its own element strides
 * (0 on broadcast dims). off[k] is operand k's element offset for the current index. */
typedef struct pt2c_nditer {
    int32_t rank, n;
    int64_t sizes[PT2C_MAX_RANK];
    int64_t strides[PT2C_NDITER_MAX][PT2C_MAX_RANK];
    int64_t index[PT2C_MAX_RANK];
    int64_t off[PT2C_NDITER_MAX];
} pt2c_nditer;

/* Element strides of t when broadcast (aligned at the trailing dim) to an output of
 * out_rank dims: 0 where t has no such dim or has size 1. */
void pt2c_broadcast_strides(const pt2c_ktensor *t, int32_t out_rank, int64_t *strides);

/* Position the iterator at output element `begin`; strides of operand k are it->strides[k],
 * filled by the caller before this call. */
void pt2c_nditer_start(pt2c_nditer *it, int32_t rank, const int64_t *sizes, int32_t n,
                       int64_t begin);

static inline void pt2c_nditer_next(pt2c_nditer *it) {
    for (int32_t d = it->rank - 1; d >= 0; d--) {
        it->index[d]++;
        for (int32_t k = 0; k < it->n; k++)
            it->off[k] += it->strides[k][d];
        if (it->index[d] < it->sizes[d])
            return;
        for (int32_t k = 0; k < it->n; k++)
            it->off[k] -= it->index[d] * it->strides[k][d];
        it->index[d] = 0;
    }
}

/* True for the real dtypes the casting kernels handle (not complex, not float8). */
bool pt2c_dtype_castable(pt2c_dtype t);

/* dst[di] = (dt) src[si], PyTorch conversion rules. Same dtype copies the bytes. */
void pt2c_cast_one(void *dst, pt2c_dtype dt, int64_t di, const void *src, pt2c_dtype st,
                   int64_t si);

/* dst[0..n) = (dt) src[0..n). */
void pt2c_cast_run(void *dst, pt2c_dtype dt, const void *src, pt2c_dtype st, int64_t n);

/* One element of dtype dt holding the value of a Scalar (resolved at shape time). A union so
 * that typed stores into bytes are aligned for every dtype. */
typedef union pt2c_elem_value {
    uint8_t bytes[16];
    int64_t align_i64[2];
    double align_f64[2];
} pt2c_elem_value;

void pt2c_elem_from_scalar(const pt2c_op_ctx *ctx, const pt2c_scalar *s, pt2c_dtype dt,
                           pt2c_elem_value *out);

/* dst[begin..end) = v (elem bytes each). */
void pt2c_fill_bytes(void *dst, size_t elem, const pt2c_elem_value *v, int64_t begin, int64_t end);

/* The dtype PyTorch gives a Python number with no dtype= (full, arange): bool, int64, or the
 * default float32. */
pt2c_dtype pt2c_scalar_default_dtype(const pt2c_scalar *s);

#endif /* PT2C_SHAPE_UTIL_H */
