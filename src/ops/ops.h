/*
 * ops.h - how an operator plugs into the runtime: one row in op_list.h naming its target,
 * parse function, shape function and kernel; one section in its family file.
 *
 * Three phases, as tflite-micro's Init/Prepare/Eval:
 *   parse  (once per plan)   read the node's named arguments, fill a params struct, declare
 *                            tensor inputs in kernel order (pt2c_op_input). Defaults of the
 *                            ATen schema live here: the JSON omits arguments left at default.
 *   shape  (per input shape) from input dtypes/sizes and params, set each output's dtype and
 *                            sizes; SymInt-producing ops set their integer here. Errors name
 *                            what was expected ("weight has 3 dims, expected 4").
 *   kernel (per run)         compute; reports bad data (an index out of range) as a fault
 *                            and never fails otherwise (see kernel_abi.h).
 *
 * Example (relu):
 *     static pt2c_status parse_relu(pt2c_op_ctx *ctx, void **params) {
 *         return pt2c_op_input(ctx, "self", NULL);
 *     }
 *     static pt2c_status shape_relu(pt2c_op_ctx *ctx, void *params) {
 *         return pt2c_op_set_out(ctx, 0, pt2c_op_in(ctx, 0)->dtype, pt2c_op_in(ctx, 0)->rank,
 *                                pt2c_op_in(ctx, 0)->sizes);
 *     }
 */
#ifndef PT2C_OPS_H
#define PT2C_OPS_H

#include "ir/ir.h"
#include "ops/kernel_abi.h"
#include "ops/layout.h"

typedef struct pt2c_op_ctx pt2c_op_ctx;

/* An integer argument that may be a literal or a SymInt value computed earlier. */
typedef struct pt2c_iarg {
    int64_t value; /* the literal, or the last resolved value */
    int32_t slot;  /* -1 for a literal, else the value slot holding the SymInt */
} pt2c_iarg;

typedef struct pt2c_iarg_list {
    pt2c_iarg *items; /* n items, arena */
    int32_t n;
    bool present; /* false when the argument was None or absent without default */
} pt2c_iarg_list;

/* A Scalar argument (int, float or bool literal, or a Sym value). */
typedef struct pt2c_scalar {
    pt2c_dtype dtype; /* I64 for ints, F64 for floats, BOOL for bools (wrapped-number rules) */
    int64_t i;
    double f;
    int32_t slot; /* -1 literal, else a Sym value slot */
} pt2c_scalar;

typedef pt2c_status (*pt2c_parse_fn)(pt2c_op_ctx *ctx, void **params);
typedef pt2c_status (*pt2c_shape_fn)(pt2c_op_ctx *ctx, void *params);
/* Scratch bytes each thread needs (every thread gets its own). */
typedef size_t (*pt2c_scratch_fn)(pt2c_op_ctx *ctx, const void *params);

enum {
    PT2C_OP_PURE = 0,
    PT2C_OP_VIEW = 1 << 0, /* output 0 has input 0's bytes in the same order: may alias */
    PT2C_OP_SYM = 1 << 1,  /* computes scalars at shape time; no kernel */
    PT2C_OP_NOOP = 1 << 2, /* checks only (asserts); no outputs, no kernel */
    /* torch's in-place ops (add_, relu_, ...), which the training IR keeps: output 0 is
     * input 0's bytes, and the kernel writes them. Only for kernels where each output
     * element reads input 0 at the same index, so writing in place is safe. */
    PT2C_OP_INPLACE = 1 << 3,
    /* float32 output 0 can take a pt2c_kernel_epilogue (bias, residual add, activation)
     * from the plan's fusion: the kernel applies it as it stores. */
    PT2C_OP_EPILOGUE = 1 << 4,
    /* A strided view of input 0 (permute, select, slice, expand, split, ...): the shape
     * function gives each output's layout with pt2c_op_set_view, composed from
     * pt2c_op_in_layout, and the planner aliases the input's bytes. It copies (gathers)
     * only an output that is not dense and that a kernel or the caller reads. The kernel
     * serves a dense input alone (unit tests); the planner never calls it. */
    PT2C_OP_STRIDED = 1 << 5
};

typedef struct pt2c_op_def {
    const char *target; /* "torch.ops.aten.relu.default" */
    pt2c_parse_fn parse;
    pt2c_shape_fn shape;
    pt2c_scratch_fn scratch; /* nullable: no scratch */
    pt2c_kernel_fn kernel;   /* nullable for SYM / NOOP ops */
    unsigned flags;
} pt2c_op_def;

/* The op registered for a node target, or NULL. */
const pt2c_op_def *pt2c_op_find(const char *target);
/* All registered ops, sorted by target. */
const pt2c_op_def *pt2c_op_table(size_t *n);

/* ---------------------------------------------------------------------------------------- */
/* Parse time: arguments                                                                    */

pt2c_arena *pt2c_op_arena(pt2c_op_ctx *ctx);
pt2c_error *pt2c_op_error(pt2c_op_ctx *ctx);
const pt2c_node *pt2c_op_node(const pt2c_op_ctx *ctx);
/* The named argument, or NULL if the node omits it (schema default applies). */
const pt2c_arg *pt2c_op_arg(const pt2c_op_ctx *ctx, const char *name);
/* Record a failure naming the argument: "argument 'stride': expected ..., found ...". */
pt2c_status pt2c_op_fail(pt2c_op_ctx *ctx, pt2c_status code, const char *fmt, ...)
    PT2C_PRINTF(3, 4);

/* Declare a tensor input; *index receives its position in args->in (-1 when optional and
 * None/absent). A Python scalar in a Tensor slot becomes a 0-dim "wrapped number" tensor.
 * index may be NULL for a required input whose position the op knows. */
pt2c_status pt2c_op_input(pt2c_op_ctx *ctx, const char *name, int32_t *index);
pt2c_status pt2c_op_input_optional(pt2c_op_ctx *ctx, const char *name, int32_t *index);
/* Declare every tensor of a Tensor[] argument; first index and count out. */
pt2c_status pt2c_op_input_list(pt2c_op_ctx *ctx, const char *name, int32_t *first, int32_t *count);
/* Declare the tensors of a Tensor?[] argument (index.Tensor's indices): index[k] receives
 * item k's position among the op's inputs, or -1 for None; *count the number of items (at
 * most cap). */
pt2c_status pt2c_op_input_optional_list(pt2c_op_ctx *ctx, const char *name, int32_t *index,
                                        int32_t cap, int32_t *count);
/* Fail unless the node's `self` may be written in place: pt2c copies the views kernels read
 * where they are not dense, so a write into a view might not reach its base
 * (runtime/inplace_check.c). plan.c runs it for
 * every PT2C_OP_INPLACE op; ops that write self without that flag (copy_, fill_) call it. */
pt2c_status pt2c_op_check_inplace_self(pt2c_op_ctx *ctx);

pt2c_status pt2c_op_int(pt2c_op_ctx *ctx, const char *name, int64_t dflt, pt2c_iarg *out);
/* int[] / SymInt[]: a bare int is broadcast to expand_to entries when expand_to > 0.
 * dflt may be NULL (then absent => present=false). */
pt2c_status pt2c_op_ints(pt2c_op_ctx *ctx, const char *name, const int64_t *dflt, int32_t n_dflt,
                         int32_t expand_to, pt2c_iarg_list *out);
pt2c_status pt2c_op_optional_int(pt2c_op_ctx *ctx, const char *name, bool *present, pt2c_iarg *out);
pt2c_status pt2c_op_float(pt2c_op_ctx *ctx, const char *name, double dflt, double *out);
pt2c_status pt2c_op_optional_float(pt2c_op_ctx *ctx, const char *name, bool *present, double *out);
pt2c_status pt2c_op_bool(pt2c_op_ctx *ctx, const char *name, bool dflt, bool *out);
pt2c_status pt2c_op_scalar(pt2c_op_ctx *ctx, const char *name, const pt2c_scalar *dflt,
                           pt2c_scalar *out);
pt2c_status pt2c_op_optional_scalar(pt2c_op_ctx *ctx, const char *name, bool *present,
                                    pt2c_scalar *out);
/* dtype argument; PT2C_DTYPE_UNKNOWN when None/absent. */
pt2c_status pt2c_op_dtype(pt2c_op_ctx *ctx, const char *name, pt2c_dtype *out);
pt2c_status pt2c_op_string(pt2c_op_ctx *ctx, const char *name, const char *dflt, const char **out);
/* This node's output sizes depend on its inputs' values (nonzero, x[mask]): its shape
 * function runs only once those values exist, and the program runs node by node. */
void pt2c_op_set_data_dependent(pt2c_op_ctx *ctx);
/* The exported dtype of a graph value, PT2C_DTYPE_UNKNOWN if it has no tensor metadata. */
pt2c_dtype pt2c_op_value_dtype(const pt2c_op_ctx *ctx, const char *value_name);
/* The program's allocator, for temporary memory a shape function frees before returning. */
const pt2c_allocator *pt2c_op_allocator(const pt2c_op_ctx *ctx);
/* Allocate the params struct in the plan arena (zeroed). */
void *pt2c_op_params(pt2c_op_ctx *ctx, size_t size);

/* ---------------------------------------------------------------------------------------- */
/* Shape time                                                                               */

const pt2c_ktensor *pt2c_op_in(const pt2c_op_ctx *ctx, int32_t index);
int32_t pt2c_op_n_in(const pt2c_op_ctx *ctx);
int32_t pt2c_op_n_out(const pt2c_op_ctx *ctx);
/* True when input index is a wrapped Python number (type promotion treats it specially). */
bool pt2c_op_in_is_wrapped(const pt2c_op_ctx *ctx, int32_t index);
/* The value of an integer argument now (SymInts resolved). */
int64_t pt2c_op_iarg(const pt2c_op_ctx *ctx, const pt2c_iarg *arg);
double pt2c_op_scalar_f64(const pt2c_op_ctx *ctx, const pt2c_scalar *s);
int64_t pt2c_op_scalar_i64(const pt2c_op_ctx *ctx, const pt2c_scalar *s);
/* True when the scalar is a float now (a float literal, or a SymFloat value). */
bool pt2c_op_scalar_is_float(const pt2c_op_ctx *ctx, const pt2c_scalar *s);
pt2c_status pt2c_op_set_out(pt2c_op_ctx *ctx, int32_t index, pt2c_dtype dtype, int32_t rank,
                            const int64_t *sizes);
/* Strided views (PT2C_OP_STRIDED ops). The layout of input index in the bytes it views:
 * its own (dense) unless it is itself a view, then what the views before it composed. */
void pt2c_op_in_layout(const pt2c_op_ctx *ctx, int32_t index, pt2c_layout *out);
/* Output index is input 0's dtype with layout l (sizes, and strides and offset in input 0's
 * base): sets its sizes as pt2c_op_set_out does. */
pt2c_status pt2c_op_set_view(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l);
/* The same, but the output gets its own bytes whatever its layout (clone: a later in-place
 * write into it must not reach the input). */
pt2c_status pt2c_op_set_copy(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l);
/* as_strided addresses its input's storage, as PyTorch does: the layout of input 0 in the
 * bytes of the tensor it is a view of (through every view, even one pt2c copied for a
 * kernel where PyTorch did not; a clone is its own storage), and that storage's elements.
 * pt2c_op_set_storage_view makes output index a view of that storage. */
void pt2c_op_in_storage_layout(const pt2c_op_ctx *ctx, pt2c_layout *out, int64_t *storage_numel);
pt2c_status pt2c_op_set_storage_view(pt2c_op_ctx *ctx, int32_t index, const pt2c_layout *l);
/* SymInt/SymBool/SymFloat outputs of SYM ops. */
pt2c_status pt2c_op_set_out_int(pt2c_op_ctx *ctx, int32_t index, int64_t value);
pt2c_status pt2c_op_set_out_float(pt2c_op_ctx *ctx, int32_t index, double value);

/* The work fused into this step (runtime/fuse.c), or NULL. */
const pt2c_kernel_epilogue *pt2c_op_epilogue(const pt2c_op_ctx *ctx);
/* The plan's vector kernels (instruction set and GEMM tile) and thread count. */
const pt2c_cpu *pt2c_op_cpu(const pt2c_op_ctx *ctx);
int pt2c_op_n_threads(const pt2c_op_ctx *ctx);
/* True when input index holds the same bytes on every run: a weight, buffer or constant
 * that no op writes. Kernels may then use data prepared from it at plan time. */
bool pt2c_op_in_is_constant(const pt2c_op_ctx *ctx, int32_t index);
/* Memory that lives as long as the plan (64-byte aligned, not zeroed: the caller writes all
 * of it): weights repacked for the kernels. Counted in pt2c_runner_stats.packed_bytes. NULL
 * on out-of-memory. */
void *pt2c_op_persistent_alloc(pt2c_op_ctx *ctx, size_t bytes);
/* Input index, a constant just packed into plan memory, will not be read again by this
 * step: its pages in the file mapping may go (they come back if anything reads them). */
void pt2c_op_release_input(pt2c_op_ctx *ctx, int32_t index);
/* Floating-point operations of one run of this node at the current shapes (a multiply-add
 * counts 2), for profiles. */
void pt2c_op_set_flops(pt2c_op_ctx *ctx, double flops);

/* ---------------------------------------------------------------------------------------- */
/* What the plan's fusion (runtime/fuse.c) asks of ops: each answered by the op's family     */
/* file, which alone knows its params.                                                      */

/* An eval-mode batch norm: input indices of weight, bias, running mean and running var
 * (-1 for None) and eps. */
bool pt2c_fuse_batch_norm(const pt2c_op_def *op, const void *params, int32_t idx[4], double *eps);
/* A convolution the fold of a following batch norm may rewrite: not transposed; *bias is
 * the input index of its bias or -1. The weight is input 1, output channels in dim 0. */
bool pt2c_fuse_conv(const pt2c_op_def *op, const void *params, int32_t *bias);
/* A zero constant pad of at most the last two dims: its (before, after) pairs from the last
 * dim (pad[n_pad], n_pad <= 4), all literal. */
bool pt2c_fuse_pad(const pt2c_op_def *op, const void *params, int32_t *n_pad, int64_t *pad);
/* Let a convolution take over such a pad of its input (added to its own padding at shape
 * time); false when it cannot (transposed, padding="same", negative pads). */
bool pt2c_fuse_conv_pad(const pt2c_op_def *op, void *params, int32_t n_pad, const int64_t *pad);
/* add / add_ of two tensors with alpha 1 (a + b, either way round the same bits). */
bool pt2c_fuse_add(const pt2c_op_def *op, const void *params);
/* A unary float op an epilogue can apply instead. */
bool pt2c_fuse_activation(const pt2c_op_def *op, const void *params, pt2c_act *act, float *lo,
                          float *hi);
/* An elementwise op the plan may run inside an elementwise group (fuse_elementwise.c): its
 * kernel computes output element i from its inputs' elements at i (NumPy broadcasting),
 * with no scratch and no epilogue, so running it on a block of the output with its inputs
 * cut to the same block (dense, or 0-dim when one element) gives the bits of the whole run.
 * The fusion adds the rest: float32 results, not in place, tensors of the group's shape.
 * elementwise.c answers for the unary ops and asks binary.c for the others. */
bool pt2c_fuse_elementwise(const pt2c_op_def *op, const void *params);
bool pt2c_fuse_elementwise_binary(const pt2c_op_def *op, const void *params);
/* An op whose output equals its input (clone, eval-mode dropout). */
bool pt2c_fuse_identity(const pt2c_op_def *op, const void *params);

/* Shared helpers for shape functions. */
/* Wrap a possibly negative dim into [0, rank); error naming the argument otherwise. */
pt2c_status pt2c_op_wrap_dim(pt2c_op_ctx *ctx, const char *what, int64_t dim, int32_t rank,
                             int32_t *out);
/* NumPy broadcast of two shapes. */
pt2c_status pt2c_op_broadcast(pt2c_op_ctx *ctx, const pt2c_ktensor *a, const pt2c_ktensor *b,
                              int32_t *rank, int64_t *sizes);

#endif /* PT2C_OPS_H */
