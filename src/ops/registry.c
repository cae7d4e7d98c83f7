/* registry.c - the op table (op_list.h) as an array. Lookups happen once per node at plan
 * build, so a linear scan over a few hundred rows costs nothing measurable. */
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
    for (size_t i = 0; i < op_count; i++)
        if (strcmp(op_table[i].target, target) == 0)
            return &op_table[i];
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
