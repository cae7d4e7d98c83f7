/* strided.c - dense copies of strided views (strided.h). */
#include "ops/strided.h"

#include "ops/kernel_abi.h"

#include <string.h>

enum { BLOCK = 16 };

static inline void copy_one(uint8_t *d, const uint8_t *s, size_t elem) {
    switch (elem) {
    case 4:
        memcpy(d, s, 4);
        break;
    case 8:
        memcpy(d, s, 8);
        break;
    case 2:
        memcpy(d, s, 2);
        break;
    case 1:
        *d = *s;
        break;
    default:
        memcpy(d, s, elem);
    }
}

/* The multi-index of outer position `pos` over dims [0, n) of sizes sz, and its offset. */
static int64_t outer_offset(int64_t pos, int32_t n, const int64_t *sz, const int64_t *st,
                            int64_t *index) {
    int64_t off = 0;
    for (int32_t d = n - 1; d >= 0; d--) {
        index[d] = pos % sz[d];
        pos /= sz[d];
        off += index[d] * st[d];
    }
    return off;
}

static int64_t outer_next(int32_t n, const int64_t *sz, const int64_t *st, int64_t *index,
                          int64_t off) {
    for (int32_t d = n - 1; d >= 0; d--) {
        index[d]++;
        off += st[d];
        if (index[d] < sz[d])
            return off;
        off -= index[d] * st[d];
        index[d] = 0;
    }
    return off;
}

void pt2c_copy_strided(void *out, const void *x, int32_t rank, const int64_t *osz,
                       const int64_t *xst, size_t elem, int ith, int nth) {
    /* Coalesce. */
    int64_t sz[PT2C_MAX_RANK], st[PT2C_MAX_RANK];
    int32_t r = 0;
    int64_t numel = 1;
    for (int32_t d = 0; d < rank; d++) {
        numel *= osz[d];
        if (osz[d] == 1)
            continue;
        if (r > 0 && st[r - 1] == xst[d] * osz[d]) {
            sz[r - 1] *= osz[d];
            st[r - 1] = xst[d];
        } else {
            sz[r] = osz[d];
            st[r] = xst[d];
            r++;
        }
    }
    if (numel == 0)
        return;
    const uint8_t *src = x;
    uint8_t *dst = out;
    int64_t index[PT2C_MAX_RANK], begin, end;
    if (r == 0 || st[r - 1] == 1) { /* contiguous rows */
        int64_t L = r ? sz[r - 1] : 1, rows = numel / L;
        pt2c_split_range(rows, ith, nth, &begin, &end);
        if (begin >= end)
            return;
        int64_t off = outer_offset(begin, r - 1, sz, st, index);
        for (int64_t row = begin; row < end; row++) {
            memcpy(dst + (size_t)(row * L) * elem, src + (size_t)off * elem, (size_t)L * elem);
            off = outer_next(r - 1, sz, st, index, off);
        }
        return;
    }
    if (r >= 2 && st[r - 2] == 1) {
        /* A transpose per outer position: out[a, b] = x[a + b * sb], a < A, b < B. Units:
         * (outer, block of BLOCK a's). */
        int64_t A = sz[r - 2], B = sz[r - 1], sb = st[r - 1];
        int64_t a_blocks = (A + BLOCK - 1) / BLOCK, outer = numel / (A * B);
        pt2c_split_range(outer * a_blocks, ith, nth, &begin, &end);
        for (int64_t u = begin; u < end; u++) {
            int64_t o = u / a_blocks, a0 = (u % a_blocks) * BLOCK;
            int64_t a1 = a0 + BLOCK < A ? a0 + BLOCK : A;
            int64_t off = outer_offset(o, r - 2, sz, st, index);
            uint8_t *d0 = dst + (size_t)(o * A * B) * elem;
            for (int64_t b0 = 0; b0 < B; b0 += BLOCK) {
                int64_t b1 = b0 + BLOCK < B ? b0 + BLOCK : B;
                if (elem == 4) {
                    const float *s4 = (const float *)(const void *)src + off;
                    float *o4 = (float *)(void *)d0;
                    for (int64_t a = a0; a < a1; a++)
                        for (int64_t b = b0; b < b1; b++)
                            o4[a * B + b] = s4[a + b * sb];
                } else {
                    for (int64_t a = a0; a < a1; a++)
                        for (int64_t b = b0; b < b1; b++)
                            copy_one(d0 + (size_t)(a * B + b) * elem,
                                     src + (size_t)(off + a + b * sb) * elem, elem);
                }
            }
        }
        return;
    }
    /* Anything else: element by element along output rows. */
    int64_t L = sz[r - 1], sl = st[r - 1], rows = numel / L;
    pt2c_split_range(rows, ith, nth, &begin, &end);
    if (begin >= end)
        return;
    int64_t off = outer_offset(begin, r - 1, sz, st, index);
    for (int64_t row = begin; row < end; row++) {
        uint8_t *o = dst + (size_t)(row * L) * elem;
        for (int64_t j = 0; j < L; j++)
            copy_one(o + (size_t)j * elem, src + (size_t)(off + j * sl) * elem, elem);
        off = outer_next(r - 1, sz, st, index, off);
    }
}
