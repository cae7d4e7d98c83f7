/* registry.c - the op table (op_list.h) as a sorted array, looked up by binary search. */
#include "ops/op_decls.h"

#include <string.h>

static const pt2c_op_def op_table[] = {
#define PT2C_OP(target, parse, shape, scratch, kernel, flags)                                      \
    {target, parse, shape, scratch, kernel, flags},
#include "ops/op_list.h"
#undef PT2C_OP
};

static const size_t op_count = sizeof op_table / sizeof op_table[0];

const pt2c_op_def *pt2c_op_table(size_t *n) {
    *n = op_count;
    return op_table;
}

const pt2c_op_def *pt2c_op_find(const char *target) {
    size_t lo = 0, hi = op_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(op_table[mid].target, target);
        if (c == 0)
            return &op_table[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Shared no-op entries for the table. */
size_t pt2c_scratch_none(pt2c_op_ctx *ctx, const void *params) {
    (void)ctx;
    (void)params;
    return 0;
}

void pt2c_k_none(const pt2c_kernel_args *args, int ith, int nth) {
    (void)args;
    (void)ith;
    (void)nth;
}
