/*
 * runtime.h - plans and their execution.
 *
 * A plan is made once per program (pt2c_plan_build: every node bound to its op, arguments
 * parsed, tensor inputs and outputs as value slots) and shaped once per concrete input
 * signature (pt2c_plan_shape: every op's shape function run in order, buffers allocated).
 * pt2c_plan_execute then runs the kernels node by node. Nothing is allocated while running.
 *
 *   values[]   one slot per named value of the graph: placeholders, node outputs, wrapped
 *              literals. A slot is a tensor (pt2c_ktensor: dtype, sizes, data), or a scalar.
 *   steps[]    one per node that does work, in graph order: op, input slots, output slots,
 *              params, scratch.
 */
#ifndef PT2C_RUNTIME_H
#define PT2C_RUNTIME_H

#include "api/program.h"
#include "ops/generator.h"
#include "ops/ops.h"
#include "runtime/pool.h"

typedef enum pt2c_value_kind {
    PT2C_VALUE_UNSET = 0,
    PT2C_VALUE_TENSOR,
    PT2C_VALUE_INT,   /* SymInt or int literal */
    PT2C_VALUE_FLOAT, /* SymFloat */
    PT2C_VALUE_BOOL,  /* SymBool */
    PT2C_VALUE_NONE
} pt2c_value_kind;

typedef struct pt2c_value {
    pt2c_value_kind kind;
    const char *name;   /* borrowed (program), or arena for wrapped literals */
    pt2c_ktensor t;     /* TENSOR: metadata; data set by shape/allocation or binding */
    int64_t i;          /* INT / BOOL */
    double f;           /* FLOAT */
    bool is_wrapped;    /* a Python number standing in a Tensor argument */
    bool is_constant;   /* weights, constants, literals: data fixed at build time */
    bool is_user_input; /* data comes from the caller at each run */
    int32_t user_input; /* index among user inputs, or -1 */
    int32_t alias_of;   /* views and INPLACE outputs: the root slot whose bytes this value
                           lies in (at view_offset, through view_strides), or -1 */
    bool is_mutated;    /* an INPLACE op writes this value's bytes (set at shape time) */
    bool is_written;    /* some op writes it in place (set at build: inplace_check.c) */
    bool owns_copy;     /* a mutated constant now lives in a writable copy (plan arena) */
    const void *bound;  /* user inputs: the caller's data, never written (a mutated input is
                           copied into own_buffer before each run) */
    void *own_buffer;   /* mutated user inputs: bytes in the shape arena */
    uint64_t bytes;     /* planned buffer size */
    /* Views (plan.c, "Views"). The layout of this value in the bytes of view_base: element
     * strides and offset, sizes in t. Valid when alias_of >= 0 (then view_base ==
     * alias_of) and for materialized views, which a kernel reads but which are not dense
     * there: the step that made them gathers them through this layout into their own
     * buffer (alias_of -1). */
    int64_t view_strides[PT2C_MAX_RANK];
    int64_t view_offset;
    int32_t view_base; /* root slot the layout addresses, or -1 (not a view) */
    bool materialized; /* gathered from view_base into its own buffer at its step */
    bool view_copy;    /* pt2c_op_set_copy (clone): always gathered, never aliased */
    bool needs_dense;  /* set at build: a kernel, a graph output or a mutation reads it */
    bool is_output;    /* set at build: a user output (read after the run) */
} pt2c_value;

/* An elementwise group (fuse_elementwise.c): float32 elementwise steps whose intermediate
 * results nothing else reads, run as one step over cache-sized blocks of the output. */
enum {
    PT2C_EW_MAX_OPS = 16, /* steps in one group */
    PT2C_EW_MAX_EXT = 64, /* tensors it reads from outside (PT2C_EW_MAX_OPS * MAX_IN) */
    PT2C_EW_MAX_IN = 4,   /* inputs of one member op */
#ifndef PT2C_EW_BLOCK_SIZE
#define PT2C_EW_BLOCK_SIZE 1024
#endif
    PT2C_EW_BLOCK = PT2C_EW_BLOCK_SIZE, /* output elements per block */
    /* floats from one scratch tile to the next: three cache lines more than a block, so
     * tiles never lie a multiple of 4 KiB apart (loads would wait on unrelated stores) */
    PT2C_EW_TILE = PT2C_EW_BLOCK + 48
};

typedef struct pt2c_ew_op {
    pt2c_kernel_fn kernel;       /* the member's own kernel (pt2c_fuse_elementwise said yes) */
    const void *params;          /* borrowed: the member step's params (shape time fills them) */
    int32_t n_in;                /* <= PT2C_EW_MAX_IN */
    int32_t src[PT2C_EW_MAX_IN]; /* each input: >= 0 the result of op src (an earlier one),
                                    < 0 external input -1 - src */
} pt2c_ew_op;

typedef struct pt2c_ew_group {
    int32_t n_ops;   /* >= 1; the last writes the group's output */
    pt2c_ew_op *ops; /* n_ops, in graph order (arena) */
    int64_t *steps;  /* the n_ops member steps, the last is the one that runs (arena) */
    int32_t n_ext;   /* <= PT2C_EW_MAX_EXT */
    int32_t *ext;    /* n_ext value slots read from outside, through their layouts (arena) */
} pt2c_ew_group;

/* An external input of a group at run time, addressed in the output's index space. */
typedef struct pt2c_ew_input {
    const void *data; /* element [0, ...] of the tensor (a view's bytes at its offset) */
    pt2c_dtype dtype; /* float32, or anything when scalar */
    bool scalar;      /* one element: handed to the kernels as a 0-dim tensor */
    bool dense;       /* output element i is data[i] (no gather) */
    int64_t strides[PT2C_MAX_RANK]; /* per output dim, in elements; 0 where it broadcasts */
} pt2c_ew_input;

typedef struct pt2c_step {
    const pt2c_op_def *op;
    int64_t node_index;
    const pt2c_node *node;
    int32_t *inputs; /* value slots, in the op's declared order */
    int32_t n_inputs;
    int32_t *outputs; /* value slots of the node's outputs, flattened */
    int32_t n_outputs;
    void *params;         /* arena, op-specific; shape functions may write it */
    size_t params_bytes;  /* its size, for the shape cache; 0 if none or unknown */
    bool data_dependent;  /* its output sizes depend on input values (parse said so) */
    size_t scratch_bytes; /* per thread */
    double flops;         /* per run at the current shapes (pt2c_op_set_flops), 0 if unknown */
    const pt2c_ktensor **in_ptrs; /* kernel views of inputs (arena) */
    pt2c_ktensor **out_ptrs;      /* kernel views of outputs (arena) */
    bool writes_self;             /* writes its self input in place (set at build) */
    /* Fusion (fuse.c). A producer also runs the nodes it absorbed: it writes final_slot,
     * and the values in chain (its own output 0, the absorbed nodes' but the last) are
     * views of those bytes. Absorbed steps are still shaped, in graph order, but never
     * executed; the producer executes where the last of them was (plan.exec_order). */
    pt2c_kernel_epilogue *epilogue; /* producer: nullable (arena) */
    const char *label;              /* producer: "aten.conv2d.default+aten.relu.default" */
    int32_t n_fused;                /* producer: nodes absorbed */
    int32_t *chain;                 /* producer: n_chain value slots (arena) */
    int64_t *chain_steps;           /* producer: the n_chain absorbed steps (arena) */
    int32_t n_chain;
    struct pt2c_step *prologue; /* a convolution: the pad it absorbed, or NULL */
    int32_t final_slot;         /* producer: the value it writes */
    bool absorbed;              /* runs inside a producer */
    int64_t closes;             /* a chain's last absorbed step: its producer, else -1 */
    /* What the kernel raised in this run (an index out of range, ...), read after the
     * barrier that ends the step. One per step, so a fast thread raising in the next step
     * cannot be mistaken for a fault of this one. */
    pt2c_kernel_fault fault;
    /* Elementwise groups (fuse_elementwise.c). The group's last step runs the whole group
     * (ew); the others are absorbed. Steps of a group read their tensor inputs through their
     * layouts (reads_layout): a strided view they read is not copied (mark_dense_readers
     * leaves it), and the group step lists every external input among its inputs, after the
     * op's own, so memory planning keeps the views' roots alive until it runs. */
    pt2c_ew_group *ew; /* the group this step runs, or NULL (arena) */
    bool reads_layout; /* a member of an elementwise group */
} pt2c_step;

/* Time spent in one step, summed over the runs since the last reset (profiling runners). */
typedef struct pt2c_step_profile {
    uint64_t ns;  /* wall time, nanoseconds, from before the kernel to after its barrier */
    int64_t runs; /* times the step ran */
} pt2c_step_profile;

/* A shaped state kept for one input-size signature (pt2c_plan_shape's cache). */
enum { PT2C_SHAPE_CACHE = 8, PT2C_SHAPE_KEY_MAX = 256 };
typedef struct pt2c_shape_entry {
    bool used;         /* holds a valid shaped state for key */
    bool arena_live;   /* arena is initialized (and must be freed) */
    uint64_t last_use; /* plan->tick when last made current */
    int64_t *key;      /* n_key: each user input's rank then sizes */
    int32_t n_key;
    pt2c_arena arena;     /* the buffers and this snapshot */
    pt2c_value *values;   /* plan->values as shaped for this signature */
    size_t *step_scratch; /* per step, per thread */
    double *step_flops;   /* per step */
    void **step_params;   /* per step: a copy of params as shaped for this signature */
    uint64_t activation_bytes;
    uint64_t arena_bytes;
    size_t scratch_bytes; /* per thread */
    uint8_t *scratch;     /* n_threads slices of scratch_bytes (rounded to 64) */
} pt2c_shape_entry;

typedef struct pt2c_plan {
    const pt2c_program *prog; /* borrowed */
    pt2c_arena arena;         /* build-time data: slots, steps, params, constant copies */
    pt2c_arena *shape_arena;  /* the current cache entry's arena: activation buffers */
    pt2c_value *values;
    int32_t n_values;
    int32_t cap_values;
    pt2c_strmap slot_by_name;
    pt2c_step *steps; /* graph order: the order of shape functions */
    int64_t n_steps;
    int64_t *exec_order; /* the steps kernels run, in order (fusion moves and drops some) */
    int64_t n_exec;
    int32_t *user_inputs; /* slots of user inputs, signature order */
    int32_t n_user_inputs;
    int32_t *user_outputs; /* slots of user outputs (-1: a literal output) */
    int32_t n_user_outputs;
    int32_t *mutations; /* (output slot, input slot) pairs for buffer mutations */
    int32_t n_mutations;
    uint8_t *scratch;          /* shape arena: one slice per thread */
    size_t scratch_bytes;      /* per thread: the most any step asks (a multiple of 64) */
    bool shaped;               /* buffers exist for the current input shapes */
    uint64_t activation_bytes; /* intermediate tensors, summed */
    uint64_t arena_bytes;      /* the block memplan.c places them in */
    int n_threads;
    const pt2c_cpu *cpu;   /* the kernels' instruction set (set before shaping) */
    uint64_t packed_bytes; /* plan-lifetime memory handed out by pt2c_op_persistent_alloc */
    pt2c_pool *pool;       /* owned: worker threads, made at the first run with n_threads > 1 */
    int32_t n_input_slots; /* slots [0, n) are placeholders (weights, buffers, inputs) */
    pt2c_shape_entry cache[PT2C_SHAPE_CACHE];
    uint64_t tick;
    int64_t shape_plans; /* signatures shaped from scratch */
    int64_t cache_hits;  /* shapings answered by the cache */
    bool cacheable;      /* every step's params size is known (set at build) */
    bool no_views;       /* copy every strided view (PT2C_OP_STRIDED output) as before views
                            were aliased: pt2c_run_options.no_views, for comparisons */
    bool data_dependent; /* some step's sizes depend on data: run with pt2c_plan_run_eager */

    pt2c_generator gen; /* random ops draw from it: seeded at runner creation, runs continue it */

    /* nullable (plan arena): n_steps entries when the runner profiles; exec.c adds to them */
    pt2c_step_profile *profile;
} pt2c_plan;

/* Bind every node to its op and parse its arguments. When unsupported is non-NULL, nodes
 * whose op has no kernel are listed there (arena strings "name (target)") instead of
 * failing at the first. */
pt2c_status pt2c_plan_build(const pt2c_program *prog, pt2c_plan *plan, pt2c_error *err);
void pt2c_plan_free(pt2c_plan *plan);
/* Bind the program's size symbols to the user inputs' sizes and check equalities and range
 * constraints (symbols.c). pt2c_plan_shape calls it first. */
pt2c_status pt2c_plan_bind_symbols(pt2c_plan *plan, pt2c_error *err);
/* Plan-level fusion (fuse.c): producers absorb the batch norm, residual add and activation
 * that follow them. Call once, after pt2c_plan_build and before shaping. */
pt2c_status pt2c_plan_fuse(pt2c_plan *plan, pt2c_error *err);
/* Elementwise groups (fuse_elementwise.c): maximal DAGs of float32 elementwise steps whose
 * intermediates nothing else reads become one step; a lone elementwise step that reads a
 * strided view becomes a group of one, reading the view in place. pt2c_plan_fuse calls it
 * last. */
pt2c_status pt2c_plan_fuse_elementwise(pt2c_plan *plan, pt2c_error *err);
/* Shape time, after the group's last step is shaped: check the members' sizes and dtypes,
 * make the intermediates views of the output (they get no bytes) and size the scratch. */
pt2c_status pt2c_ew_close(pt2c_plan *plan, pt2c_step *step, pt2c_error *err);
/* Run time: thread ith's share of the group's output blocks (exec.c). */
void pt2c_ew_run(const pt2c_plan *plan, pt2c_step *step, int ith, int nth);
/* The block evaluator: out (dense float32) = the group on inputs in[0 .. n_ext), block by
 * block (PT2C_EW_BLOCK elements); thread ith of nth takes a contiguous run of blocks, so
 * results do not depend on nth. scratch: pt2c_ew_scratch_bytes(g) bytes, 64-byte aligned,
 * private to the thread. Each member runs its own kernel on the block, so the bits are
 * those of the unfused steps. fault (nullable) receives what a member's kernel raises. */
void pt2c_ew_eval(const pt2c_ew_group *g, const pt2c_ew_input *in, pt2c_ktensor *out,
                  const pt2c_cpu *cpu, float *scratch, pt2c_kernel_fault *fault, int ith, int nth);
size_t pt2c_ew_scratch_bytes(const pt2c_ew_group *g);
/* In (a tensor of rank <= out->rank broadcasting to out) read through layout l whose element
 * [0, ...] is at data. */
void pt2c_ew_input_init(pt2c_ew_input *in, const void *data, pt2c_dtype dtype, int64_t numel,
                        const pt2c_layout *l, const pt2c_ktensor *out);
/* Elementwise groups of two or more steps, the steps in them, and external inputs that
 * groups read through a layout that is not dense (the copies views no longer make). */
void pt2c_plan_count_fusion(const pt2c_plan *plan, int64_t *groups, int64_t *ops, int64_t *strided);
/* Which values something reads as dense bytes (needs_dense): every kernel except the steps
 * of elementwise groups, graph outputs, mutations. pt2c_plan_build runs it; fusion again. */
void pt2c_plan_mark_dense(pt2c_plan *plan);
/* Place every intermediate tensor of the shaped steps in one arena by lifetime
 * (memplan.c); views and in-place results point into their root's bytes. */
pt2c_status pt2c_plan_memory(pt2c_plan *plan, pt2c_error *err);
/* Run every shape function for the user inputs' current metadata and allocate buffers. */
pt2c_status pt2c_plan_shape(pt2c_plan *plan, pt2c_error *err);
/* Run every kernel. */
pt2c_status pt2c_plan_execute(pt2c_plan *plan, pt2c_error *err);
/* For plans with data-dependent sizes: shape and run each step in turn, fresh buffers. */
pt2c_status pt2c_plan_run_eager(pt2c_plan *plan, pt2c_error *err);
/* The layout of a value in the bytes of its root (*base): its view layout when it aliases
 * one, else dense in its own bytes (plan.c). */
void pt2c_plan_layout(const pt2c_plan *plan, int32_t slot, int32_t *base, pt2c_layout *out);
/* Copy a view that is not dense into its own buffer at the step that makes it (plan.c);
 * nothing for a value that is dense already. */
pt2c_status pt2c_plan_make_dense(pt2c_plan *plan, int32_t slot, pt2c_error *err);
/* A step that only re-describes bytes (PT2C_OP_VIEW or PT2C_OP_STRIDED): it runs no kernel;
 * at most it gathers the outputs that are materialized. */
static inline bool pt2c_step_is_view(const pt2c_step *step) {
    return (step->op->flags & (PT2C_OP_VIEW | PT2C_OP_STRIDED)) != 0;
}
/* Outputs of the executed PT2C_OP_STRIDED steps that alias their root, and outputs of view
 * steps (PT2C_OP_STRIDED or PT2C_OP_VIEW) gathered into their own bytes. */
void pt2c_plan_count_views(const pt2c_plan *plan, int64_t *aliased, int64_t *copied);
/* exec.c pieces the eager path uses. */
void pt2c_plan_prepare_inputs(pt2c_plan *plan);
pt2c_status pt2c_plan_execute_step(pt2c_plan *plan, int64_t s, pt2c_error *err);

/* The op context used by parse and shape functions (see ops.h for the accessors). */
struct pt2c_op_ctx {
    pt2c_plan *plan;
    pt2c_step *step;
    pt2c_error *err;
    /* Inputs declared during parse (grown as declared). */
    int32_t *inputs;
    int32_t n_inputs;
    int32_t cap_inputs;
    void *last_params; /* the latest pt2c_op_params allocation and its size */
    size_t last_params_bytes;
};

#endif /* PT2C_RUNTIME_H */
