/* layout.c - composing strided layouts of views (layout.h). */
#include "ops/layout.h"

#include <string.h>

void pt2c_layout_dense(pt2c_layout *l, int32_t rank, const int64_t *sizes) {
    memset(l, 0, sizeof *l);
    l->rank = rank;
    int64_t s = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        l->sizes[d] = sizes[d];
        l->strides[d] = s;
        s *= sizes[d];
    }
}

bool pt2c_layout_is_dense(const pt2c_layout *l) {
    int64_t expect = 1;
    for (int32_t d = l->rank - 1; d >= 0; d--) {
        if (l->sizes[d] == 0)
            return true;
        if (l->sizes[d] != 1 && l->strides[d] != expect)
            return false;
        expect *= l->sizes[d];
    }
    return true;
}

void pt2c_layout_permute(const pt2c_layout *in, const int32_t *perm, pt2c_layout *out) {
    pt2c_layout r = *in;
    for (int32_t d = 0; d < in->rank; d++) {
        r.sizes[d] = in->sizes[perm[d]];
        r.strides[d] = in->strides[perm[d]];
    }
    *out = r;
}

void pt2c_layout_select(const pt2c_layout *in, int32_t d, int64_t index, pt2c_layout *out) {
    pt2c_layout r = *in;
    r.offset = in->offset + index * in->strides[d];
    r.rank = 0;
    for (int32_t k = 0; k < in->rank; k++) {
        if (k == d)
            continue;
        r.sizes[r.rank] = in->sizes[k];
        r.strides[r.rank] = in->strides[k];
        r.rank++;
    }
    *out = r;
}

void pt2c_layout_slice(const pt2c_layout *in, int32_t d, int64_t start, int64_t count, int64_t step,
                       pt2c_layout *out) {
    pt2c_layout r = *in;
    /* An empty slice addresses nothing: keep the offset inside the base. */
    if (count > 0)
        r.offset = in->offset + start * in->strides[d];
    r.sizes[d] = count;
    r.strides[d] = in->strides[d] * step;
    *out = r;
}

void pt2c_layout_expand(const pt2c_layout *in, int32_t rank, const int64_t *sizes,
                        pt2c_layout *out) {
    pt2c_layout r = *in;
    r.rank = rank;
    for (int32_t d = 0; d < rank; d++) {
        int32_t xd = d - (rank - in->rank);
        r.sizes[d] = sizes[d];
        r.strides[d] = xd >= 0 && in->sizes[xd] == sizes[d] ? in->strides[xd] : 0;
    }
    *out = r;
}

void pt2c_layout_diagonal(const pt2c_layout *in, int32_t d1, int32_t d2, int64_t off, int64_t n,
                          pt2c_layout *out) {
    pt2c_layout r = *in;
    if (n > 0)
        r.offset = in->offset + (off >= 0 ? off * in->strides[d2] : -off * in->strides[d1]);
    r.rank = 0;
    for (int32_t k = 0; k < in->rank; k++) {
        if (k == d1 || k == d2)
            continue;
        r.sizes[r.rank] = in->sizes[k];
        r.strides[r.rank] = in->strides[k];
        r.rank++;
    }
    r.sizes[r.rank] = n;
    r.strides[r.rank] = in->strides[d1] + in->strides[d2];
    r.rank++;
    *out = r;
}

void pt2c_layout_unfold(const pt2c_layout *in, int32_t d, int64_t size, int64_t step,
                        pt2c_layout *out) {
    pt2c_layout r = *in;
    int64_t dsize = in->rank > 0 ? in->sizes[d] : 1, dstride = in->rank > 0 ? in->strides[d] : 1;
    if (in->rank > 0) {
        r.sizes[d] = (dsize - size) / step + 1;
        r.strides[d] = dstride * step;
    }
    r.sizes[r.rank] = size;
    r.strides[r.rank] = dstride;
    r.rank++;
    *out = r;
}

/* PyTorch's computeStride (aten/src/ATen/TensorUtils.cpp): walk the old dims from the last,
 * grouping runs that are contiguous among themselves into chunks; each chunk must be made
 * of whole new dims, which step through it with the chunk's innermost stride. */
bool pt2c_layout_reshape(const pt2c_layout *in, int32_t rank, const int64_t *sizes,
                         pt2c_layout *out) {
    pt2c_layout r;
    memset(&r, 0, sizeof r);
    r.rank = rank;
    r.offset = in->offset;
    int64_t numel = 1;
    for (int32_t d = 0; d < in->rank; d++)
        numel *= in->sizes[d];
    for (int32_t d = 0; d < rank; d++)
        r.sizes[d] = sizes[d];
    if (numel == 0 || in->rank == 0) {
        /* Nothing to address, or one element: any strides do; keep them row-major. */
        int64_t s = 1;
        for (int32_t d = rank - 1; d >= 0; d--) {
            r.strides[d] = s;
            s *= sizes[d];
        }
        *out = r;
        return true;
    }
    int32_t view_d = rank - 1;
    int64_t chunk_base = in->strides[in->rank - 1];
    int64_t tensor_numel = 1, view_numel = 1;
    for (int32_t td = in->rank - 1; td >= 0; td--) {
        tensor_numel *= in->sizes[td];
        if (td == 0 ||
            (in->sizes[td - 1] != 1 && in->strides[td - 1] != tensor_numel * chunk_base)) {
            while (view_d >= 0 && (view_numel < tensor_numel || sizes[view_d] == 1)) {
                r.strides[view_d] = view_numel * chunk_base;
                view_numel *= sizes[view_d];
                view_d--;
            }
            if (view_numel != tensor_numel)
                return false;
            if (td > 0) {
                chunk_base = in->strides[td - 1];
                tensor_numel = 1;
                view_numel = 1;
            }
        }
    }
    if (view_d != -1)
        return false;
    *out = r;
    return true;
}
