/*
 * strided.h - copying a strided view of a tensor into a dense one (permute, transpose):
 *
 *     out[i_0, ..., i_{r-1}] = x[sum_d i_d * xst[d]]       out dense, sizes osz
 *
 * Dims are first coalesced (size 1 dropped, neighbours that are contiguous in x merged).
 * Then: a contiguous innermost dim copies whole rows; an innermost dim strided in x whose
 * neighbour is contiguous in x (a transpose, e.g. NCHW <-> NHWC) copies 16 x 16 blocks, both
 * sides in L1; anything else element by element. Thread ith of nth copies its share of
 * output rows. Exact for every split.
 */
#ifndef PT2C_OPS_STRIDED_H
#define PT2C_OPS_STRIDED_H

#include <stddef.h>
#include <stdint.h>

void pt2c_copy_strided(void *out, const void *x, int32_t rank, const int64_t *osz,
                       const int64_t *xst, size_t elem, int ith, int nth);

#endif /* PT2C_OPS_STRIDED_H */
