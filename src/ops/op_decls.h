/* op_decls.h - prototypes of every function named in op_list.h, generated from the table so
 * the list stays the one place an op is named. Family files include this. */
#ifndef PT2C_OP_DECLS_H
#define PT2C_OP_DECLS_H

#include "ops/ops.h"

#define PT2C_OP(target, parse, shape, scratch, kernel, flags)                                      \
    pt2c_status parse(pt2c_op_ctx *ctx, void **params);                                            \
    pt2c_status shape(pt2c_op_ctx *ctx, void *params);                                             \
    size_t scratch(pt2c_op_ctx *ctx, const void *params);                                          \
    void kernel(const pt2c_kernel_args *args, int ith, int nth);
#include "ops/op_list.h"
#undef PT2C_OP

size_t pt2c_scratch_none(pt2c_op_ctx *ctx, const void *params);
void pt2c_k_none(const pt2c_kernel_args *args, int ith, int nth);

#endif /* PT2C_OP_DECLS_H */
