/*
 * kernel_abi.h - what a kernel sees: raw pointers, dtypes and sizes, nothing else, so the
 * same kernels serve the interpreter and (later) generated C.
 *
 * Every tensor a kernel sees is dense and row-major (contiguous): strides are implied by
 * sizes. The planner keeps views as strided layouts of their base (ops/layout.h) and hands a
 * kernel a view's bytes in place when they are dense, else a copy it gathers once; kernels
 * never see strides. (An elementwise group, runtime/fuse_elementwise.c, reads views through
 * their layouts itself and hands its members' kernels dense blocks.)
 *
 * A kernel computes its share of the outputs: thread ith of nth. It splits by output elements
 * (never inside a reduction), so results are bit-identical for every thread count. Kernels do
 * not allocate, do no I/O and keep no state. Shapes, dtypes and arguments are checked at plan
 * time; what only the data can get wrong (an index out of range, an integer division by
 * zero: where PyTorch raises) a kernel reports with pt2c_kernel_raise and carries on, and
 * the runner stops after the step with an error naming the node.
 */
#ifndef PT2C_KERNEL_ABI_H
#define PT2C_KERNEL_ABI_H

#include "pt2c.h"

#include "cpu/cpu.h"

#include <stdatomic.h>
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

/* What a fused producer (an op flagged PT2C_OP_EPILOGUE: convolution, linear, addmm) applies
 * to its output as it stores it, set by the plan's fusion (runtime/fuse.c), in the order of
 * pt2c_epilogue (cpu.h): its bias, then the residual, then the activation. */
typedef struct pt2c_kernel_epilogue {
    int32_t bias;         /* input index of a per-output-channel bias that replaces the op's own
                             (a folded batch norm), or -1 */
    int32_t weight_scale; /* input index of per-output-channel factors the (constant) weight
                             is multiplied by when packed at plan time (a folded batch
                             norm), or -1; kernels never see the unscaled weight */
    int32_t residual;     /* input index of a float32 tensor shaped like output 0, or -1 */
    pt2c_act act;
    float act_lo, act_hi; /* hardtanh bounds */
} pt2c_kernel_epilogue;

/* A fault in a kernel's data, where PyTorch raises. */
typedef enum pt2c_fault_kind {
    PT2C_FAULT_NONE,
    PT2C_FAULT_INDEX,   /* value is out of bounds for dimension dim of size size */
    PT2C_FAULT_DIVZERO, /* integer division or remainder by zero */
} pt2c_fault_kind;

/* The first fault of a run, in the plan. raised is set once (by whichever thread finds a
 * fault first); the rest is written by that thread and read by the runner after the barrier
 * that ends the step. Costs the hot loop nothing it did not do: the kernel already compares
 * each index with its bound, and only the rare failing branch writes here. */
typedef struct pt2c_kernel_fault {
    atomic_int raised;
    pt2c_fault_kind kind;
    int32_t input; /* the kernel input holding the bad value */
    int32_t dim;   /* the dimension it indexes, or -1 */
    int64_t value; /* the index as given */
    int64_t size;  /* the size of that dimension */
} pt2c_kernel_fault;

typedef struct pt2c_kernel_args {
    const pt2c_ktensor *const *in; /* n_in tensor inputs, in the op's documented order */
    int32_t n_in;
    pt2c_ktensor *const *out; /* n_out outputs */
    int32_t n_out;
    const void *params;  /* op-specific parameters resolved at plan time */
    void *scratch;       /* this thread's scratch: the bytes the op's scratch function asked
                            for, 64-byte aligned, private to thread ith; or NULL */
    const pt2c_cpu *cpu; /* the vector kernels of the plan's instruction set */
    const pt2c_kernel_epilogue *epilogue; /* nullable: fused work (PT2C_OP_EPILOGUE ops) */
    pt2c_kernel_fault *fault;             /* nullable (kernel tests): where faults go */
    struct pt2c_generator *gen; /* the runner's generator (ops/generator.h): random ops draw
                                   from it on thread 0 only; nullable for other ops */
} pt2c_kernel_args;

/* Report a fault (see pt2c_kernel_fault); the first one of a run is kept. The kernel then
 * finishes its share as if the bad element were valid-but-zero, so nothing reads outside a
 * buffer. */
static inline void pt2c_kernel_raise(const pt2c_kernel_args *args, pt2c_fault_kind kind,
                                     int32_t input, int32_t dim, int64_t value, int64_t size) {
    pt2c_kernel_fault *f = args->fault;
    int expected = 0;
    if (!f || !atomic_compare_exchange_strong(&f->raised, &expected, 1))
        return;
    f->kind = kind;
    f->input = input;
    f->dim = dim;
    f->value = value;
    f->size = size;
}

typedef void (*pt2c_kernel_fn)(const pt2c_kernel_args *args, int ith, int nth);

/* The [begin, end) share of n items for thread ith of nth. */
static inline void pt2c_split_range(int64_t n, int ith, int nth, int64_t *begin, int64_t *end) {
    if (nth == 1) { /* no divisions: elementwise groups call kernels block by block */
        *begin = 0;
        *end = n;
        return;
    }
    int64_t per = n / nth, rem = n % nth;
    *begin = (int64_t)ith * per + (ith < rem ? ith : rem);
    *end = *begin + per + (ith < rem ? 1 : 0);
}

#endif /* PT2C_KERNEL_ABI_H */
