/*
 * layout.h - strided layouts: how a view addresses the bytes of the tensor it views.
 *
 * A view op (permute, select, slice, expand, split, ...) does not move data in PyTorch: its
 * result is its base's storage seen through new sizes, element strides and an element
 * offset. The planner keeps that description for every view (runtime/plan.c), composes
 * chains of views with the functions below, and copies only where a kernel needs dense
 * input and the view is not dense (pt2c_layout_is_dense):
 *
 *     element [i_0, ..., i_{r-1}] of the view = base[offset + sum_d i_d * strides[d]]
 *
 * Example: x dense [4, 6, 8]; permute(x, [2, 0, 1]) -> sizes [8, 4, 6], strides [1, 48, 8];
 * then slice(dim=1, start=1, end=3) -> sizes [8, 2, 6], strides [1, 48, 8], offset 48;
 * then expand to [3, 8, 2, 6] -> strides [0, 1, 48, 8], offset 48.
 *
 * Every function takes a valid layout and arguments the shape function has checked; they
 * cannot fail, except pt2c_layout_reshape, which says when the new sizes cannot be a view
 * of these strides (then the input must be copied dense first, as torch.reshape does).
 */
#ifndef PT2C_OPS_LAYOUT_H
#define PT2C_OPS_LAYOUT_H

#include "ops/kernel_abi.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct pt2c_layout {
    int32_t rank;
    int64_t sizes[PT2C_MAX_RANK];   /* dim 0 outermost */
    int64_t strides[PT2C_MAX_RANK]; /* elements of the base per step along each dim (>= 0;
                                       0 on broadcast dims) */
    int64_t offset;                 /* elements from the base's first to element [0, ...] */
} pt2c_layout;

/* A dense tensor of these sizes: row-major strides, offset 0. */
void pt2c_layout_dense(pt2c_layout *l, int32_t rank, const int64_t *sizes);
/* Dense and in row-major order (size-1 dims may have any stride; an empty tensor is dense):
 * the view's bytes are base + offset, numel elements, as a kernel expects them. */
bool pt2c_layout_is_dense(const pt2c_layout *l);
/* out dim d = in dim perm[d]. */
void pt2c_layout_permute(const pt2c_layout *in, const int32_t *perm, pt2c_layout *out);
/* Dim d removed at index. */
void pt2c_layout_select(const pt2c_layout *in, int32_t d, int64_t index, pt2c_layout *out);
/* Dim d keeps count entries start, start + step, ... */
void pt2c_layout_slice(const pt2c_layout *in, int32_t d, int64_t start, int64_t count, int64_t step,
                       pt2c_layout *out);
/* Broadcast to rank sizes aligned at the trailing dim: new leading dims and size-1 dims that
 * grow get stride 0 (the shape function has checked sizes). */
void pt2c_layout_expand(const pt2c_layout *in, int32_t rank, const int64_t *sizes,
                        pt2c_layout *out);
/* Dims d1 and d2 removed, a last dim of n elements (i, i + off) appended (off < 0: (i - off,
 * i)); n is the diagonal's length, computed by the shape function. */
void pt2c_layout_diagonal(const pt2c_layout *in, int32_t d1, int32_t d2, int64_t off, int64_t n,
                          pt2c_layout *out);
/* Dim d becomes (size_d - size) / step + 1 windows, and a last dim of size walks a window. */
void pt2c_layout_unfold(const pt2c_layout *in, int32_t d, int64_t size, int64_t step,
                        pt2c_layout *out);
/* The same elements in row-major order with new sizes (view, reshape, flatten, squeeze,
 * unsqueeze, unflatten): strides as PyTorch's computeStride finds them. False when no
 * strides exist (a permuted view reshaped across its permuted dims). */
bool pt2c_layout_reshape(const pt2c_layout *in, int32_t rank, const int64_t *sizes,
                         pt2c_layout *out);

#endif /* PT2C_OPS_LAYOUT_H */
