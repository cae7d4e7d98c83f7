/* test_fuse_elementwise.c - the elementwise groups' block evaluator (pt2c_ew_eval,
 * runtime/fuse_elementwise.c) against the unfused ops: each member op is parsed and shaped
 * on a one-node plan and run over the whole tensors (the reference, as the unfused plan runs
 * it); the group then evaluates the same chain block by block with 1 and 3 threads, and
 * must give the reference's bytes exactly. Cases: broadcasts (row vector, trailing dim,
 * one-element tensor, Scalar), NaN and infinities, a strided (transposed) input, an empty
 * tensor, more than one block. */
#include "harness.h"
#include "ops/op_decls.h"
#include "runtime/runtime.h"
#include "test_cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* One op on a one-node plan                                                                */

enum { MAX_ARGS = 6, MAX_VALUES = 16 };

typedef struct mini {
    pt2c_program prog;
    pt2c_plan plan;
    pt2c_step step;
    pt2c_node node;
    pt2c_named_arg args[MAX_ARGS];
    pt2c_arg outs[1];
    pt2c_error err;
    float *out; /* the op's result over the whole tensors (malloc) */
    const pt2c_ktensor *in_ptrs[MAX_ARGS];
    pt2c_ktensor *out_ptr;
} mini;

static void mini_init(mini *m, const char *target) {
    memset(m, 0, sizeof *m);
    m->prog.allocator = pt2c_default_allocator();
    pt2c_arena_init(&m->plan.arena, m->prog.allocator);
    pt2c_strmap_init(&m->plan.slot_by_name, &m->plan.arena);
    m->plan.prog = &m->prog;
    m->plan.values = PT2C_ARENA_ARRAY(&m->plan.arena, pt2c_value, MAX_VALUES);
    m->plan.cap_values = MAX_VALUES;
    m->plan.cpu = test_cpu();
    m->plan.n_threads = 1;
    m->node.target = target;
    m->node.name = "node";
    m->node.inputs = m->args;
    m->node.outputs = m->outs;
    m->step.node = &m->node;
    pt2c_error_clear(&m->err);
}

static void mini_free(mini *m) {
    free(m->out);
    pt2c_arena_deinit(&m->plan.arena);
}

static pt2c_named_arg *add_arg(mini *m, const char *name) {
    pt2c_named_arg *a = &m->args[m->node.n_inputs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    return a;
}

/* A float32 tensor argument (dense) named after the schema argument. */
static void arg_tensor(mini *m, const char *name, int32_t rank, const int64_t *sizes,
                       const float *data) {
    int32_t slot = m->plan.n_values++;
    pt2c_value *v = &m->plan.values[slot];
    memset(v, 0, sizeof *v);
    v->kind = PT2C_VALUE_TENSOR;
    v->name = name;
    v->alias_of = -1;
    v->t.dtype = PT2C_DTYPE_F32;
    v->t.rank = rank;
    v->t.numel = 1;
    for (int32_t d = 0; d < rank; d++) {
        v->t.sizes[d] = sizes[d];
        v->t.numel *= sizes[d];
    }
    v->t.data = (void *)(uintptr_t)data;
    pt2c_strmap_put(&m->plan.slot_by_name, name, slot);
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_TENSOR;
    a->arg.name = name;
}

static void arg_float(mini *m, const char *name, double v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_FLOAT;
    a->arg.f = v;
}

/* Parse, shape and run the op over whole tensors (one thread): m->out holds the result. */
static const pt2c_ktensor *prep(mini *m) {
    const pt2c_op_def *op = pt2c_op_find(m->node.target);
    if (!op) {
        HARNESS_FAIL("no op %s", m->node.target);
        return NULL;
    }
    m->node.n_outputs = 1;
    m->outs[0].kind = PT2C_ARG_TENSOR;
    m->outs[0].name = "o0";
    pt2c_op_ctx ctx = {.plan = &m->plan, .step = &m->step, .err = &m->err};
    if (op->parse(&ctx, &m->step.params) != PT2C_OK) {
        HARNESS_FAIL("parse %s: %s", m->node.target, m->err.msg);
        return NULL;
    }
    m->step.inputs = ctx.inputs;
    m->step.n_inputs = ctx.n_inputs;
    int32_t *outs = PT2C_ARENA_ARRAY(&m->plan.arena, int32_t, 1);
    outs[0] = m->plan.n_values++;
    memset(&m->plan.values[outs[0]], 0, sizeof(pt2c_value));
    m->plan.values[outs[0]].alias_of = -1;
    m->step.outputs = outs;
    m->step.n_outputs = 1;
    if (op->shape(&ctx, m->step.params) != PT2C_OK) {
        HARNESS_FAIL("shape %s: %s", m->node.target, m->err.msg);
        return NULL;
    }
    EXPECT_TRUE(pt2c_fuse_elementwise(op, m->step.params));
    for (int32_t i = 0; i < m->step.n_inputs; i++)
        m->in_ptrs[i] = &m->plan.values[m->step.inputs[i]].t;
    pt2c_value *v = &m->plan.values[outs[0]];
    m->out = malloc(sizeof(float) * (size_t)(v->t.numel ? v->t.numel : 1));
    v->t.data = m->out;
    m->out_ptr = &v->t;
    pt2c_kernel_args args = {m->in_ptrs, m->step.n_inputs, &m->out_ptr, 1,    m->step.params,
                             NULL,       m->plan.cpu,      NULL,        NULL, NULL};
    op->kernel(&args, 0, 1);
    return &v->t;
}

static pt2c_ew_op member(const mini *m, int32_t s0, int32_t s1) {
    pt2c_ew_op op = {
        pt2c_op_find(m->node.target)->kernel, m->step.params, m->step.n_inputs, {s0, s1, 0, 0}};
    return op;
}

/* Evaluate g with nth threads (the shares one after another) into a fresh buffer. */
static float *eval(const pt2c_ew_group *g, const pt2c_ew_input *in, const pt2c_ktensor *like,
                   int nth) {
    pt2c_ktensor out = *like;
    out.data = malloc(sizeof(float) * (size_t)(out.numel ? out.numel : 1));
    memset(out.data, 0xAB, sizeof(float) * (size_t)out.numel);
    size_t bytes = (pt2c_ew_scratch_bytes(g) + 63) / 64 * 64;
    float *scratch = aligned_alloc(64, bytes ? bytes : 64);
    for (int ith = 0; ith < nth; ith++)
        pt2c_ew_eval(g, in, &out, test_cpu(), scratch, NULL, ith, nth);
    free(scratch);
    return out.data;
}

static void expect_same_bytes(const float *got, const float *want, int64_t n) {
    for (int64_t i = 0; i < n; i++)
        if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
            HARNESS_FAIL("element %lld: %.9g != %.9g", (long long)i, (double)got[i],
                         (double)want[i]);
            return;
        }
}

static void dense_input(pt2c_ew_input *in, const pt2c_ktensor *t, const pt2c_ktensor *out) {
    pt2c_layout l;
    pt2c_layout_dense(&l, t->rank, t->sizes);
    pt2c_ew_input_init(in, t->data, t->dtype, t->numel, &l, out);
}

/* ---------------------------------------------------------------------------------------- */
/* Cases                                                                                    */

/* out = tanh((x + b) * s) * c - 0.5 x over x [3, 5, 167] (2505 elements: two blocks and a
 * part), b [167] a row, s [5, 1] a trailing-dim broadcast, c [1] one element; NaN and
 * infinities in x; then x read through a transposed layout of its own bytes. */
static void chain_case(bool strided) {
    enum { N = 3, C = 5, W = 167, NUMEL = N * C * W };
    int64_t xs[3] = {N, C, W}, bs[1] = {W}, ss[2] = {C, 1}, cs[1] = {1};
    float *x = malloc(sizeof(float) * NUMEL), *xt = malloc(sizeof(float) * NUMEL);
    float b[W], s[C], c[1] = {1.25f};
    for (int64_t i = 0; i < NUMEL; i++)
        x[i] = (float)sin((double)i * 0.37) * 3.0f;
    x[4] = NAN;
    x[100] = INFINITY;
    x[700] = -INFINITY;
    for (int i = 0; i < W; i++)
        b[i] = 0.01f * (float)i - 0.3f;
    for (int i = 0; i < C; i++)
        s[i] = 0.5f + 0.25f * (float)i;
    /* xt [W, N * C] holds x transposed: x[r, w] = xt[w, r] (r = n * C + c). */
    for (int64_t r = 0; r < N * C; r++)
        for (int64_t w = 0; w < W; w++)
            xt[w * N * C + r] = x[r * W + w];

    mini m[5];
    mini_init(&m[0], "torch.ops.aten.add.Tensor");
    arg_tensor(&m[0], "self", 3, xs, x);
    arg_tensor(&m[0], "other", 1, bs, b);
    const pt2c_ktensor *t0 = prep(&m[0]);
    mini_init(&m[1], "torch.ops.aten.mul.Tensor");
    arg_tensor(&m[1], "self", 3, xs, m[0].out);
    arg_tensor(&m[1], "other", 2, ss, s);
    prep(&m[1]);
    mini_init(&m[2], "torch.ops.aten.tanh.default");
    arg_tensor(&m[2], "self", 3, xs, m[1].out);
    prep(&m[2]);
    mini_init(&m[3], "torch.ops.aten.mul.Tensor");
    arg_tensor(&m[3], "self", 3, xs, m[2].out);
    arg_tensor(&m[3], "other", 1, cs, c);
    prep(&m[3]);
    mini_init(&m[4], "torch.ops.aten.sub.Tensor");
    arg_tensor(&m[4], "self", 3, xs, m[3].out);
    arg_tensor(&m[4], "other", 3, xs, x);
    arg_float(&m[4], "alpha", 0.5); /* self - 0.5 * other */
    const pt2c_ktensor *ref = prep(&m[4]);
    if (!t0 || !ref)
        goto done;

    pt2c_ew_op ops[5] = {member(&m[0], -1, -2), member(&m[1], 0, -3), member(&m[2], 1, 0),
                         member(&m[3], 2, -4), member(&m[4], 3, -1)};
    pt2c_ew_group g = {.n_ops = 5, .ops = ops, .n_ext = 4};
    pt2c_ew_input in[4];
    const pt2c_ktensor *ext[4] = {m[0].in_ptrs[0], m[0].in_ptrs[1], m[1].in_ptrs[1],
                                  m[3].in_ptrs[1]};
    for (int e = 0; e < 4; e++)
        dense_input(&in[e], ext[e], ref);
    EXPECT_TRUE(in[0].dense && !in[0].scalar);
    EXPECT_TRUE(!in[1].dense && in[1].strides[0] == 0 && in[1].strides[2] == 1);
    EXPECT_TRUE(!in[2].dense && in[2].strides[1] == 1 && in[2].strides[2] == 0);
    EXPECT_TRUE(in[3].scalar);
    if (strided) {
        pt2c_layout l = {.rank = 3, .sizes = {N, C, W}, .strides = {C, 1, N * C}, .offset = 0};
        pt2c_ew_input_init(&in[0], xt, PT2C_DTYPE_F32, NUMEL, &l, ref);
        EXPECT_TRUE(!in[0].dense);
    }
    for (int nth = 1; nth <= 3; nth += 2) {
        float *got = eval(&g, in, ref, nth);
        expect_same_bytes(got, ref->data, NUMEL);
        free(got);
    }
    EXPECT_TRUE(isnan(((const float *)ref->data)[4]));
done:
    for (int k = 0; k < 5; k++)
        mini_free(&m[k]);
    free(x);
    free(xt);
}

TEST(ew_chain_with_broadcasts_and_nan_matches_unfused_bits) { chain_case(false); }

TEST(ew_chain_reads_a_transposed_input_in_place) { chain_case(true); }

/* relu(x) * 2 (Scalar) + relu(x) over x [0, 4]: nothing to do, nothing written. */
TEST(ew_empty_tensor) {
    int64_t xs[2] = {0, 4};
    float none[1] = {0.0f};
    mini m[3];
    mini_init(&m[0], "torch.ops.aten.relu.default");
    arg_tensor(&m[0], "self", 2, xs, none);
    prep(&m[0]);
    mini_init(&m[1], "torch.ops.aten.mul.Scalar");
    arg_tensor(&m[1], "self", 2, xs, m[0].out);
    arg_float(&m[1], "other", 2.0);
    prep(&m[1]);
    mini_init(&m[2], "torch.ops.aten.add.Tensor");
    arg_tensor(&m[2], "self", 2, xs, m[1].out);
    arg_tensor(&m[2], "other", 2, xs, m[0].out);
    const pt2c_ktensor *ref = prep(&m[2]);
    if (ref) {
        EXPECT_EQ(ref->numel, 0);
        pt2c_ew_op ops[3] = {member(&m[0], -1, 0), member(&m[1], 0, 0), member(&m[2], 1, 0)};
        pt2c_ew_group g = {.n_ops = 3, .ops = ops, .n_ext = 1};
        pt2c_ew_input in[1];
        dense_input(&in[0], m[0].in_ptrs[0], ref);
        for (int nth = 1; nth <= 3; nth += 2)
            free(eval(&g, in, ref, nth));
    }
    for (int k = 0; k < 3; k++)
        mini_free(&m[k]);
}

/* A group of one: sigmoid of a strided slice (every other element), 1 and 3 threads. */
TEST(ew_single_op_reads_a_strided_slice) {
    enum { N = 2600 };
    float *base = malloc(sizeof(float) * 2 * N), *dense = malloc(sizeof(float) * N);
    for (int i = 0; i < 2 * N; i++)
        base[i] = (float)cos((double)i * 0.1) * 4.0f;
    for (int i = 0; i < N; i++)
        dense[i] = base[2 * i + 1];
    int64_t xs[1] = {N};
    mini m;
    mini_init(&m, "torch.ops.aten.sigmoid.default");
    arg_tensor(&m, "self", 1, xs, dense);
    const pt2c_ktensor *ref = prep(&m);
    if (ref) {
        pt2c_ew_op ops[1] = {member(&m, -1, 0)};
        pt2c_ew_group g = {.n_ops = 1, .ops = ops, .n_ext = 1};
        pt2c_layout l = {.rank = 1, .sizes = {N}, .strides = {2}, .offset = 1};
        pt2c_ew_input in[1];
        pt2c_ew_input_init(&in[0], base + 1, PT2C_DTYPE_F32, N, &l, ref);
        EXPECT_TRUE(!in[0].dense);
        for (int nth = 1; nth <= 3; nth += 2) {
            float *got = eval(&g, in, ref, nth);
            expect_same_bytes(got, ref->data, N);
            free(got);
        }
    }
    mini_free(&m);
    free(base);
    free(dense);
}

TEST_MAIN()
