/*
 * op_list.h - THE op table: every operator pt2c runs, one row each, in one of the family
 * lists included below (each sorted by target; test_ops checks order and uniqueness).
 *
 * PT2C_OP(target, parse, shape, scratch, kernel, flags)
 *   target   the node target as serialized ("torch.ops.aten.relu.default", "_operator.mul")
 *   parse    reads arguments into params, declares tensor inputs       (plan build)
 *   shape    output dtypes and sizes from input metadata                (per input shape)
 *   scratch  bytes of scratch the kernel needs, pt2c_scratch_none if none
 *   kernel   the computation, pt2c_k_none for ops with no data work
 *   flags    PT2C_OP_PURE, PT2C_OP_VIEW, PT2C_OP_SYM, PT2C_OP_NOOP
 *
 * Adding an op: CONTRIBUTING.md.
 */
#include "ops/list_core.h"
#include "ops/list_math.h"
#include "ops/list_nn.h"
#include "ops/list_shape.h"
#include "ops/list_sym.h"
