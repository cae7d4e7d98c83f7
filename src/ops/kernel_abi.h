/*
 * kernel_abi.h - what a kernel sees: raw pointers, dtypes and sizes, nothing else, so the
 * same kernels serve the interpreter and (later) generated C.
 *
 * Every runtime tensor is dense and row-major (contiguous): strides are implied by sizes.
 * Views that PyTorch aliases are computed as copies or aliased by the planner; kernels never
 * see strides.
 *
 * A kernel computes its share of the outputs: thread ith of nth. It splits by output elements
 * (never inside a reduction), so results are bit-identical for every thread count. Kernels do
 * not allocate, do no I/O, keep no state and cannot fail: all checks happen at plan time.
 */
#ifndef PT2C_KERNEL_ABI_H
#define PT2C_KERNEL_ABI_H

#include "pt2c.h"

#include "cpu/cpu.h"

#include <stdbool.h>
#include <stdint.h>

enum { PT2C_MAX_RANK = 16 };

typedef struct pt2c_ktensor {
    void *data; /* borrowed: planned buffer, weight, or caller input */
    pt2c_dtype dtype;
    int32_t rank;
    int64_t sizes[PT2C_MAX_RANK]; /* dim 0 outermost */
    int64_t numel;                /* product of sizes (1 for rank 0) */
} pt2c_ktensor;

typedef struct pt2c_kernel_args {
    const pt2c_ktensor *const *in; /* n_in tensor inputs, in the op's documented order */
    int32_t n_in;
    pt2c_ktensor *const *out; /* n_out outputs */
    int32_t n_out;
    const void *params;  /* op-specific parameters resolved at plan time */
    void *scratch;       /* this thread's scratch: the bytes the op's scratch function asked
                            for, 64-byte aligned, private to thread ith; or NULL */
    const pt2c_cpu *cpu; /* the vector kernels of the plan's instruction set */
} pt2c_kernel_args;

typedef void (*pt2c_kernel_fn)(const pt2c_kernel_args *args, int ith, int nth);

/* The [begin, end) share of n items for thread ith of nth. */
static inline void pt2c_split_range(int64_t n, int ith, int nth, int64_t *begin, int64_t *end) {
    int64_t per = n / nth, rem = n % nth;
    *begin = (int64_t)ith * per + (ith < rem ? ith : rem);
    *end = *begin + per + (ith < rem ? 1 : 0);
}

#endif /* PT2C_KERNEL_ABI_H */
