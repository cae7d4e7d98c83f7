/*
 * backends.c - the two backends pt2c has today (backend.h): portable C and x86 vector
 * kernels. Both compile a partition into a runner of its sub-program with their kernel
 * table; every table computes the same bits (cpu.h), so where a partition boundary falls
 * changes no result.
 */
#include "partition/backend.h"

#include "cpu/cpu.h"
#include "ops/op_decls.h"
#include "ops/ops.h"

#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* Which nodes                                                                              */

/* The aten op name of a target ("conv2d" for torch.ops.aten.conv2d.default), in buf. */
static bool aten_name(const char *target, char *buf, size_t cap) {
    if (strncmp(target, "torch.ops.aten.", 15) != 0)
        return false;
    const char *rest = target + 15, *dot = strchr(rest, '.');
    size_t len = dot ? (size_t)(dot - rest) : strlen(rest);
    if (len == 0 || len >= cap)
        return false;
    memcpy(buf, rest, len);
    buf[len] = 0;
    return true;
}

/* The ops whose kernels run on the vector table, with what they run. */
static const struct {
    const char *op;
    const char *why;
} vector_ops[] = {
    {"convolution", "implicit-GEMM convolution"},
    {"conv1d", "implicit-GEMM convolution"},
    {"conv2d", "implicit-GEMM convolution"},
    {"conv_transpose1d", "GEMM convolution"},
    {"conv_transpose2d", "GEMM convolution"},
    {"linear", "packed GEMM"},
    {"addmm", "packed GEMM"},
    {"mm", "packed GEMM"},
    {"bmm", "packed GEMM"},
    {"matmul", "packed GEMM"},
    {"baddbmm", "packed GEMM"},
    {"scaled_dot_product_attention", "attention on GEMM tiles"},
    {"_scaled_dot_product_flash_attention_for_cpu", "attention on GEMM tiles"},
    {"_softmax", "vector softmax"},
    {"softmax", "vector softmax"},
    {"_log_softmax", "vector softmax"},
    {"log_softmax", "vector softmax"},
    {"layer_norm", "vector norm"},
    {"native_layer_norm", "vector norm"},
    {"rms_norm", "vector norm"},
    {"batch_norm", "folded into the convolution or GEMM before it"},
    {"_native_batch_norm_legit_no_training", "folded into the convolution or GEMM before it"},
    {"max_pool2d", "vector pooling planes"},
    {"max_pool2d_with_indices", "vector pooling planes"},
    {"relu", "vector activation"},
    {"gelu", "vector activation"},
    {"silu", "vector activation"},
    {"sigmoid", "vector activation"},
    {"tanh", "vector activation"},
    {"hardtanh", "vector activation"},
    {"hardswish", "vector activation"},
    {"hardsigmoid", "vector activation"},
};

bool pt2c_backend_node_follows(const pt2c_node *node) {
    const pt2c_op_def *op = pt2c_op_find(node->target);
    /* Strided views (permute, slice, select, ...) alias their root too; clone and
     * lift_fresh_copy carry the flag but copy. */
    if (op)
        return (op->flags & (PT2C_OP_VIEW | PT2C_OP_SYM | PT2C_OP_NOOP)) != 0 ||
               ((op->flags & PT2C_OP_STRIDED) && op->kernel != pt2c_k_copy);
    /* Symbolic arithmetic (_operator.mul, sym_size) moves no data either. */
    return strncmp(node->target, "_operator.", 10) == 0 ||
           strncmp(node->target, "torch.sym_", 10) == 0 || strncmp(node->target, "math.", 5) == 0;
}

static bool portable_supports(const pt2c_backend *self, const pt2c_program *prog,
                              const pt2c_node *node, const char **why) {
    (void)self;
    (void)prog;
    const pt2c_op_def *op = pt2c_op_find(node->target);
    *why = op ? "portable C kernel" : "no pt2c kernel for this op";
    return op != NULL;
}

static bool all_outputs_f32(const pt2c_program *prog, const pt2c_node *node) {
    const pt2c_graph *g = &prog->ep.graph_module.graph;
    for (int32_t o = 0; o < node->n_outputs; o++) {
        const pt2c_arg *a = &node->outputs[o];
        const char *name = a->kind == PT2C_ARG_TENSOR                      ? a->name
                           : a->kind == PT2C_ARG_TENSORS && a->n_items > 0 ? a->items[0].name
                                                                           : NULL;
        int64_t i;
        if (!name || !pt2c_strmap_get(&g->tensor_index, name, &i) ||
            g->tensor_values[i].meta.dtype != PT2C_DTYPE_F32)
            return false;
    }
    return node->n_outputs > 0;
}

static bool x86_supports(const pt2c_backend *self, const pt2c_program *prog, const pt2c_node *node,
                         const char **why) {
    (void)self;
    const pt2c_cpu *cpu = NULL;
    pt2c_error err;
    if (pt2c_cpu_resolve(PT2C_ISA_AUTO, &cpu, &err) != PT2C_OK || cpu->isa == PT2C_ISA_GENERIC) {
        *why = "this CPU has neither AVX2 nor AVX-512";
        return false;
    }
    char name[96];
    if (!pt2c_op_find(node->target) || !aten_name(node->target, name, sizeof name)) {
        *why = "no pt2c kernel for this op";
        return false;
    }
    for (size_t k = 0; k < sizeof vector_ops / sizeof vector_ops[0]; k++) {
        if (strcmp(vector_ops[k].op, name) != 0)
            continue;
        if (!all_outputs_f32(prog, node)) {
            *why = "the vector kernels are float32 only";
            return false;
        }
        *why = vector_ops[k].why;
        return true;
    }
    *why = "no vector kernel for this op";
    return false;
}

/* ---------------------------------------------------------------------------------------- */
/* Compiling and running a partition: a runner of its sub-program                          */

static pt2c_status compile_with(const pt2c_program *sub, pt2c_isa isa, int n_threads, void **state,
                                pt2c_error *err) {
    pt2c_run_options opts = {0};
    opts.n_threads = n_threads;
    opts.isa = isa;
    pt2c_runner *r = NULL;
    PT2C_TRY(pt2c_runner_create(sub, &opts, &r, err));
    *state = r;
    return PT2C_OK;
}

static pt2c_status portable_compile(const pt2c_backend *self, const pt2c_program *sub,
                                    int n_threads, void **state, pt2c_error *err) {
    (void)self;
    return compile_with(sub, PT2C_ISA_GENERIC, n_threads, state, err);
}

static pt2c_status x86_compile(const pt2c_backend *self, const pt2c_program *sub, int n_threads,
                               void **state, pt2c_error *err) {
    (void)self;
    return compile_with(sub, PT2C_ISA_AUTO, n_threads, state, err);
}

static pt2c_status runner_execute(void *state, const pt2c_tensor_info *inputs, size_t n_inputs,
                                  pt2c_error *err) {
    pt2c_runner *r = state;
    for (size_t i = 0; i < n_inputs; i++)
        PT2C_TRY(pt2c_runner_set_input(r, i, &inputs[i], err));
    return pt2c_runner_run(r, err);
}

static pt2c_status runner_output(void *state, size_t k, pt2c_tensor_info *out, pt2c_error *err) {
    return pt2c_runner_output(state, k, out, err);
}

static void runner_destroy(void *state) { pt2c_runner_destroy(state); }

static const pt2c_backend x86 = {
    "x86",          "the vector kernels (AVX2 / AVX-512): GEMM, convolution, attention, norms",
    x86_supports,   x86_compile,
    runner_execute, runner_output,
    runner_destroy,
};

static const pt2c_backend portable = {
    "portable",        "every op pt2c has, in plain C: any CPU",
    portable_supports, portable_compile,
    runner_execute,    runner_output,
    runner_destroy,
};

static const pt2c_backend *const all[] = {&x86, &portable};

const pt2c_backend *const *pt2c_backends(size_t *n) {
    *n = sizeof all / sizeof all[0];
    return all;
}

const pt2c_backend *pt2c_backend_find(const char *name, size_t len) {
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        if (strlen(all[k]->name) == len && strncmp(all[k]->name, name, len) == 0)
            return all[k];
    return NULL;
}
