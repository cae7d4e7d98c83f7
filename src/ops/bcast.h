/*
 * bcast.h - walk the output elements of an elementwise op whose inputs broadcast to the
 * output's shape (NumPy rules: align trailing dims; a size-1 or missing dim repeats), in
 * runs along the innermost dim so the inner loops are tight.
 *
 *     pt2c_bcast it;
 *     const pt2c_ktensor *in[2] = {a, b};
 *     pt2c_bcast_start(&it, out, in, 2, begin);
 *     for (int64_t i = begin; i < end;) {
 *         int64_t n = pt2c_bcast_run(&it, end - i);        // elements until the row ends
 *         int64_t sa = it.inner[0], sb = it.inner[1];      // 0 (broadcast) or 1
 *         for (int64_t j = 0; j < n; j++)
 *             z[i + j] = f(x[it.off[0] + j * sa], y[it.off[1] + j * sb]);
 *         i += n;
 *         pt2c_bcast_advance(&it, n);
 *     }
 *
 * Every tensor is dense row-major (kernel_abi.h), so an input's element offset is the dot
 * product of the output index with the input's strides, where broadcast dims get stride 0.
 * Adjacent dims that every input walks contiguously are merged first, so x * scalar or
 * x[N, C, H, W] * gate[N, C, 1, 1] run over long rows instead of single elements.
 */
#ifndef PT2C_BCAST_H
#define PT2C_BCAST_H

#include "ops/kernel_abi.h"

#include <string.h>

enum { PT2C_BCAST_MAX_IN = 4 };

typedef struct pt2c_bcast {
    int32_t rank;                                      /* merged rank, >= 1 */
    int32_t n_in;                                      /* inputs walked, <= MAX_IN */
    int64_t sizes[PT2C_MAX_RANK];                      /* merged output sizes */
    int64_t strides[PT2C_BCAST_MAX_IN][PT2C_MAX_RANK]; /* elements; 0 on broadcast dims */
    int64_t index[PT2C_MAX_RANK];                      /* current merged output index */
    int64_t off[PT2C_BCAST_MAX_IN];                    /* current element offset per input */
    int64_t inner[PT2C_BCAST_MAX_IN];                  /* stride of the innermost dim */
} pt2c_bcast;

/* Element strides of t when broadcast to out's shape (0 on broadcast dims). */
static inline void pt2c_bcast_strides(const pt2c_ktensor *t, const pt2c_ktensor *out,
                                      int64_t *strides) {
    int64_t stride = 1;
    for (int32_t d = out->rank - 1; d >= 0; d--) {
        int32_t td = t->rank - (out->rank - d);
        strides[d] = (td < 0 || t->sizes[td] == 1) ? 0 : stride;
        if (td >= 0)
            stride *= t->sizes[td];
    }
}

/* Position the walk at output element `begin`. */
static inline void pt2c_bcast_start(pt2c_bcast *it, const pt2c_ktensor *out,
                                    const pt2c_ktensor *const *in, int32_t n_in, int64_t begin) {
    int64_t full[PT2C_BCAST_MAX_IN][PT2C_MAX_RANK];
    memset(it, 0, sizeof *it);
    it->n_in = n_in;
    for (int32_t k = 0; k < n_in; k++)
        pt2c_bcast_strides(in[k], out, full[k]);
    /* Merge dim d into the (already merged) inner dim when every input steps through d
     * exactly as if d and the inner dim were one: stride[d] == stride[inner] * size[inner]. */
    int32_t r = 0; /* merged dims, innermost first, reversed at the end */
    int64_t msize[PT2C_MAX_RANK], mstr[PT2C_BCAST_MAX_IN][PT2C_MAX_RANK];
    for (int32_t d = out->rank - 1; d >= 0; d--) {
        if (out->sizes[d] == 1)
            continue; /* a size-1 dim moves nothing */
        bool merge = r > 0;
        for (int32_t k = 0; k < n_in && merge; k++)
            merge = full[k][d] == mstr[k][r - 1] * msize[r - 1];
        if (merge) {
            msize[r - 1] *= out->sizes[d];
        } else {
            msize[r] = out->sizes[d];
            for (int32_t k = 0; k < n_in; k++)
                mstr[k][r] = full[k][d];
            r++;
        }
    }
    if (r == 0) { /* every dim has size 1 (or rank 0): one element */
        msize[0] = 1;
        for (int32_t k = 0; k < n_in; k++)
            mstr[k][0] = 0;
        r = 1;
    }
    it->rank = r;
    for (int32_t d = 0; d < r; d++) {
        it->sizes[d] = msize[r - 1 - d];
        for (int32_t k = 0; k < n_in; k++)
            it->strides[k][d] = mstr[k][r - 1 - d];
    }
    for (int32_t k = 0; k < n_in; k++)
        it->inner[k] = it->strides[k][r - 1];
    int64_t rem = begin;
    for (int32_t d = r - 1; d >= 0; d--) {
        int64_t size = it->sizes[d] ? it->sizes[d] : 1;
        it->index[d] = rem % size;
        rem /= size;
        for (int32_t k = 0; k < n_in; k++)
            it->off[k] += it->index[d] * it->strides[k][d];
    }
}

/* How many elements (at most `left`) remain in the current innermost row. */
static inline int64_t pt2c_bcast_run(const pt2c_bcast *it, int64_t left) {
    int64_t n = it->sizes[it->rank - 1] - it->index[it->rank - 1];
    return n < left ? n : left;
}

/* Step over n elements of the current row (n <= pt2c_bcast_run). */
static inline void pt2c_bcast_advance(pt2c_bcast *it, int64_t n) {
    int32_t d = it->rank - 1;
    it->index[d] += n;
    for (int32_t k = 0; k < it->n_in; k++)
        it->off[k] += n * it->strides[k][d];
    while (it->index[d] >= it->sizes[d] && d > 0) {
        for (int32_t k = 0; k < it->n_in; k++)
            it->off[k] += it->strides[k][d - 1] - it->index[d] * it->strides[k][d];
        it->index[d] = 0;
        d--;
        it->index[d]++;
    }
}

#endif /* PT2C_BCAST_H */
