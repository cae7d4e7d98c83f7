/* test_ops_shape.c - the shape family (views, copies, creation, indexing, concatenation) on
 * small hand-checked cases, through the op table: each case builds one node, runs the op's
 * parse and shape functions on a miniature plan, then its kernel with 1 and with 3 threads
 * (the shares run one after another) and checks both results are identical. */
#include "harness.h"
#include "ops/op_decls.h"
#include "ops/shape_util.h"
#include "runtime/runtime.h"
#include "test_cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* A one-node plan                                                                          */

enum { MAX_ARGS = 12, MAX_VALUES = 64, MAX_OUTS = 8 };

typedef struct mini {
    pt2c_program prog;
    pt2c_plan plan;
    pt2c_step step;
    pt2c_node node;
    pt2c_named_arg args[MAX_ARGS];
    pt2c_arg outs[MAX_OUTS];
    pt2c_arg out_list; /* a Tensor[] output (split) */
    pt2c_error err;
    void *buffers[MAX_OUTS];
    const pt2c_ktensor *in_ptrs[MAX_VALUES];
    pt2c_ktensor *out_ptrs[MAX_OUTS];
    void *scratch; /* the op's scratch; threads run one after another, so one serves all */
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
    m->plan.n_threads = 3;
    m->node.target = target;
    m->node.name = "node";
    m->node.inputs = m->args;
    m->node.outputs = m->outs;
    m->step.node = &m->node;
    pt2c_error_clear(&m->err);
}

static void mini_free(mini *m) {
    for (int i = 0; i < MAX_OUTS; i++)
        free(m->buffers[i]);
    free(m->scratch);
    pt2c_arena_deinit(&m->plan.arena);
}

static pt2c_named_arg *add_arg(mini *m, const char *name) {
    pt2c_named_arg *a = &m->args[m->node.n_inputs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    return a;
}

/* A tensor input named `name` (also the value name) bound to data. */
static void arg_tensor(mini *m, const char *name, pt2c_dtype dt, int32_t rank, const int64_t *sizes,
                       void *data) {
    int32_t slot = m->plan.n_values++;
    pt2c_value *v = &m->plan.values[slot];
    memset(v, 0, sizeof *v);
    v->kind = PT2C_VALUE_TENSOR;
    v->name = name;
    v->alias_of = -1;
    v->t.dtype = dt;
    v->t.rank = rank;
    v->t.numel = 1;
    for (int32_t d = 0; d < rank; d++) {
        v->t.sizes[d] = sizes[d];
        v->t.numel *= sizes[d];
    }
    v->t.data = data;
    pt2c_strmap_put(&m->plan.slot_by_name, name, slot);
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_TENSOR;
    a->arg.name = name;
}

static void arg_int(mini *m, const char *name, int64_t v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_INT;
    a->arg.i = v;
}

static void arg_float(mini *m, const char *name, double v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_FLOAT;
    a->arg.f = v;
}

static void arg_dtype(mini *m, const char *name, pt2c_dtype v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_SCALAR_TYPE;
    a->arg.i = v;
}

static void arg_string(mini *m, const char *name, const char *v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_STRING;
    a->arg.str = v;
}

static void arg_ints(mini *m, const char *name, int n, const int64_t *v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_INTS;
    a->arg.n_items = n;
    a->arg.items = PT2C_ARENA_ARRAY(&m->plan.arena, pt2c_arg, n ? n : 1);
    for (int k = 0; k < n; k++) {
        a->arg.items[k].kind = PT2C_ARG_INT;
        a->arg.items[k].i = v[k];
    }
}

/* A Tensor[] (names of inputs already added with arg_tensor, then removed from the args) or
 * a Tensor?[] (NULL names are None). */
static void arg_tensor_list(mini *m, const char *name, int n, const char *const *names,
                            bool optional) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = optional ? PT2C_ARG_OPTIONAL_TENSORS : PT2C_ARG_TENSORS;
    a->arg.n_items = n;
    a->arg.items = PT2C_ARENA_ARRAY(&m->plan.arena, pt2c_arg, n);
    for (int k = 0; k < n; k++) {
        a->arg.items[k].kind = names[k] ? PT2C_ARG_TENSOR : PT2C_ARG_NONE;
        a->arg.items[k].name = names[k];
    }
}

/* A tensor value that is not itself a named argument (for lists). */
static void value_tensor(mini *m, const char *name, pt2c_dtype dt, int32_t rank,
                         const int64_t *sizes, void *data) {
    arg_tensor(m, name, dt, rank, sizes, data);
    m->node.n_inputs--;
}

/* Bind, shape and run with nth threads; returns the status of parse/shape. */
static pt2c_status mini_run(mini *m, int n_out, bool list_out, int nth) {
    const pt2c_op_def *op = pt2c_op_find(m->node.target);
    if (!op)
        return PT2C_ERR_UNSUPPORTED;
    static const char *const out_names[MAX_OUTS] = {"o0", "o1", "o2", "o3", "o4", "o5", "o6", "o7"};
    if (list_out) {
        m->out_list.kind = PT2C_ARG_TENSORS;
        m->out_list.n_items = n_out;
        m->out_list.items = m->outs;
        m->node.outputs = &m->out_list;
        m->node.n_outputs = 1;
    } else {
        m->node.n_outputs = n_out;
    }
    for (int k = 0; k < n_out; k++) {
        m->outs[k].kind = PT2C_ARG_TENSOR;
        m->outs[k].name = out_names[k];
    }
    pt2c_op_ctx ctx = {.plan = &m->plan, .step = &m->step, .err = &m->err};
    PT2C_TRY(op->parse(&ctx, &m->step.params));
    m->step.inputs = ctx.inputs;
    m->step.n_inputs = ctx.n_inputs;
    int32_t *outs = PT2C_ARENA_ARRAY(&m->plan.arena, int32_t, n_out ? n_out : 1);
    for (int k = 0; k < n_out; k++) {
        outs[k] = m->plan.n_values++;
        memset(&m->plan.values[outs[k]], 0, sizeof(pt2c_value));
        m->plan.values[outs[k]].alias_of = -1;
    }
    m->step.outputs = outs;
    m->step.n_outputs = n_out;
    PT2C_TRY(op->shape(&ctx, m->step.params));
    for (int32_t i = 0; i < m->step.n_inputs; i++)
        m->in_ptrs[i] = &m->plan.values[m->step.inputs[i]].t;
    for (int k = 0; k < n_out; k++) {
        pt2c_value *v = &m->plan.values[outs[k]];
        m->out_ptrs[k] = &v->t;
        if (v->kind != PT2C_VALUE_TENSOR)
            continue;
        if ((op->flags & PT2C_OP_VIEW) && k == 0) {
            v->t.data = m->plan.values[m->step.inputs[0]].t.data;
            continue;
        }
        size_t bytes = (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
        free(m->buffers[k]);
        m->buffers[k] = calloc(bytes ? bytes : 1, 1);
        v->t.data = m->buffers[k];
    }
    size_t scratch = op->scratch(&ctx, m->step.params);
    free(m->scratch);
    m->scratch = scratch ? malloc(scratch) : NULL;
    pt2c_kernel_args args = {
        m->in_ptrs, m->step.n_inputs, m->out_ptrs, n_out,          m->step.params,
        m->scratch, m->plan.cpu,      NULL,        &m->step.fault, NULL};
    if (!(op->flags & PT2C_OP_VIEW))
        for (int ith = 0; ith < nth; ith++)
            op->kernel(&args, ith, nth);
    return PT2C_OK;
}

static const pt2c_ktensor *out_t(mini *m, int k) { return m->out_ptrs[k]; }

/* Run with 1 and 3 threads; the two results must be byte-identical. Returns the status. */
static pt2c_status run_both(mini *m, int n_out, bool list_out) {
    pt2c_status st = mini_run(m, n_out, list_out, 1);
    if (st != PT2C_OK)
        return st;
    void *first[MAX_OUTS] = {NULL};
    for (int k = 0; k < n_out; k++) {
        const pt2c_ktensor *t = out_t(m, k);
        size_t bytes = (size_t)t->numel * pt2c_dtype_size(t->dtype);
        first[k] = malloc(bytes ? bytes : 1);
        memcpy(first[k], t->data, bytes);
        if (m->buffers[k])
            memset(m->buffers[k], 0xAB, bytes);
    }
    /* Second run on the same plan: kernels only (parse/shape are idempotent here). */
    const pt2c_op_def *op = pt2c_op_find(m->node.target);
    pt2c_kernel_args args = {
        m->in_ptrs, m->step.n_inputs, m->out_ptrs, n_out,          m->step.params,
        m->scratch, m->plan.cpu,      NULL,        &m->step.fault, NULL};
    if (!(op->flags & PT2C_OP_VIEW))
        for (int ith = 0; ith < 3; ith++)
            op->kernel(&args, ith, 3);
    for (int k = 0; k < n_out; k++) {
        const pt2c_ktensor *t = out_t(m, k);
        size_t bytes = (size_t)t->numel * pt2c_dtype_size(t->dtype);
        if (memcmp(first[k], t->data, bytes) != 0)
            HARNESS_FAIL("%s: output %d differs between 1 and 3 threads", m->node.target, k);
        free(first[k]);
    }
    return PT2C_OK;
}

static void expect_sizes(const pt2c_ktensor *t, int32_t rank, const int64_t *sizes) {
    EXPECT_EQ(t->rank, rank);
    for (int32_t d = 0; d < rank && d < t->rank; d++)
        EXPECT_EQ(t->sizes[d], sizes[d]);
}

static void expect_f32(const pt2c_ktensor *t, int64_t n, const float *want) {
    EXPECT_EQ(t->dtype, PT2C_DTYPE_F32);
    EXPECT_EQ(t->numel, n);
    const float *got = t->data;
    for (int64_t i = 0; i < n && i < t->numel; i++)
        if (!(got[i] == want[i] || (isnan(got[i]) && isnan(want[i]))))
            HARNESS_FAIL("element %lld: %g != %g", (long long)i, (double)got[i], (double)want[i]);
}

static void expect_i64(const pt2c_ktensor *t, int64_t n, const int64_t *want) {
    EXPECT_EQ(t->dtype, PT2C_DTYPE_I64);
    EXPECT_EQ(t->numel, n);
    const int64_t *got = t->data;
    for (int64_t i = 0; i < n && i < t->numel; i++)
        if (got[i] != want[i])
            HARNESS_FAIL("element %lld: %lld != %lld", (long long)i, (long long)got[i],
                         (long long)want[i]);
}

static float x12[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */

TEST(strided_simplify_merges_and_drops) {
    pt2c_strided m = {3, {2, 1, 3}, {3, 99, 1}, 0};
    pt2c_strided_simplify(&m);
    EXPECT_EQ(m.rank, 1);
    EXPECT_EQ(m.sizes[0], 6);
    EXPECT_EQ(m.strides[0], 1);
    pt2c_strided t = {2, {3, 2}, {1, 3}, 0}; /* a transpose stays two dims */
    pt2c_strided_simplify(&t);
    EXPECT_EQ(t.rank, 2);
}

TEST(strided_copy_any_range_negative_strides) {
    /* flip both dims of a 3x4: out[i][j] = x[2 - i][3 - j] */
    pt2c_strided m = {2, {3, 4}, {-4, -1}, 11};
    float out[12];
    for (int64_t b = 0; b <= 12; b += 5) {
        memset(out, 0, sizeof out);
        pt2c_strided_copy(&m, x12, out, 4, 0, b);
        pt2c_strided_copy(&m, x12, out, 4, b, 12);
        for (int i = 0; i < 12; i++)
            EXPECT_EQ(out[i], 11 - i);
    }
}

TEST(casts_follow_pytorch) {
    float f[5] = {-1.7f, 2.9f, 300.5f, NAN, 0.0f};
    uint8_t u8[5], b[5];
    int32_t i32[5];
    pt2c_cast_run(u8, PT2C_DTYPE_U8, f, PT2C_DTYPE_F32, 3);
    EXPECT_EQ(u8[0], 255); /* -1 wraps */
    EXPECT_EQ(u8[1], 2);
    EXPECT_EQ(u8[2], 44); /* 300 wraps */
    pt2c_cast_run(b, PT2C_DTYPE_BOOL, f, PT2C_DTYPE_F32, 5);
    EXPECT_EQ(b[3], 1); /* NaN is true */
    EXPECT_EQ(b[4], 0);
    pt2c_cast_run(i32, PT2C_DTYPE_I32, f, PT2C_DTYPE_F32, 2);
    EXPECT_EQ(i32[0], -1);
    EXPECT_EQ(i32[1], 2);
    int64_t big = (1LL << 53) + 1;
    float g;
    pt2c_cast_one(&g, PT2C_DTYPE_F32, 0, &big, PT2C_DTYPE_I64, 0);
    EXPECT_EQ(g, (float)big);
}

/* ---------------------------------------------------------------------------------------- */
/* Views and copies                                                                         */

TEST(unsqueeze_squeeze_alias) {
    mini m;
    int64_t s[3] = {1, 3, 1};
    mini_init(&m, "torch.ops.aten.unsqueeze.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x12);
    arg_int(&m, "dim", -1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t w[4] = {1, 3, 1, 1};
    expect_sizes(out_t(&m, 0), 4, w);
    EXPECT_TRUE(out_t(&m, 0)->data == (void *)x12);
    mini_free(&m);

    int64_t dims[2] = {0, 1};
    mini_init(&m, "torch.ops.aten.squeeze.dims");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x12);
    arg_ints(&m, "dim", 2, dims); /* dim 1 has size 3: kept */
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t w2[2] = {3, 1};
    expect_sizes(out_t(&m, 0), 2, w2);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.squeeze.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x12);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    expect_sizes(out_t(&m, 0), 1, s + 1);
    mini_free(&m);
}

TEST(slice_wraps_clamps_and_steps) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.slice.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", -1);
    arg_int(&m, "start", -3);
    arg_int(&m, "end", INT64_MAX);
    arg_int(&m, "step", 2);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t w[2] = {3, 2};
    expect_sizes(out_t(&m, 0), 2, w);
    float want[6] = {1, 3, 5, 7, 9, 11};
    expect_f32(out_t(&m, 0), 6, want);
    mini_free(&m);

    /* start past the end: empty, not an error */
    mini_init(&m, "torch.ops.aten.slice.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 0);
    arg_int(&m, "start", 10);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    EXPECT_EQ(out_t(&m, 0)->numel, 0);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.slice.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "step", 0);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "step must be positive");
    mini_free(&m);
}

TEST(select_negative_index_and_range_error) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.select.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 1);
    arg_int(&m, "index", -1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[3] = {3, 7, 11};
    expect_f32(out_t(&m, 0), 3, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.select.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 0);
    arg_int(&m, "index", 3);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "out of range");
    mini_free(&m);
}

TEST(expand_broadcasts_size_one_dims) {
    mini m;
    float x[3] = {1, 2, 3};
    int64_t s[2] = {3, 1}, size[3] = {2, -1, 2};
    mini_init(&m, "torch.ops.aten.expand.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    arg_ints(&m, "size", 3, size);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    int64_t bad[2] = {4, 2};
    mini_init(&m, "torch.ops.aten.expand.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    arg_ints(&m, "size", 2, bad);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "only size-1 dims expand");
    mini_free(&m);
}

TEST(transpose_and_movedim) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.transpose.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim0", 0);
    arg_int(&m, "dim1", -1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    int64_t s3[3] = {2, 3, 2};
    mini_init(&m, "torch.ops.aten.movedim.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s3, x12);
    arg_int(&m, "source", 0);
    arg_int(&m, "destination", 2);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t w[3] = {3, 2, 2};
    expect_sizes(out_t(&m, 0), 3, w);
    float want2[12] = {0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(repeat_and_flip) {
    mini m;
    float x[2] = {1, 2};
    int64_t s[1] = {2}, reps[2] = {2, 2};
    mini_init(&m, "torch.ops.aten.repeat.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_ints(&m, "repeats", 2, reps);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[8] = {1, 2, 1, 2, 1, 2, 1, 2};
    int64_t w[2] = {2, 4};
    expect_sizes(out_t(&m, 0), 2, w);
    expect_f32(out_t(&m, 0), 8, want);
    mini_free(&m);

    int64_t s2[2] = {3, 4}, dims[1] = {0};
    mini_init(&m, "torch.ops.aten.flip.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s2, x12);
    arg_ints(&m, "dims", 1, dims);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(split_outputs_in_order) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.split.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "split_size", 3);
    arg_int(&m, "dim", 1);
    EXPECT_EQ(run_both(&m, 2, true), PT2C_OK);
    float a[9] = {0, 1, 2, 4, 5, 6, 8, 9, 10}, b[3] = {3, 7, 11};
    expect_f32(out_t(&m, 0), 9, a);
    expect_f32(out_t(&m, 1), 3, b);
    mini_free(&m);

    /* The node must list as many outputs as there are pieces. */
    mini_init(&m, "torch.ops.aten.unbind.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    EXPECT_EQ(run_both(&m, 2, true), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "3 pieces");
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.unbind.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 1);
    EXPECT_EQ(run_both(&m, 4, true), PT2C_OK);
    float c[3] = {2, 6, 10};
    expect_f32(out_t(&m, 2), 3, c);
    expect_sizes(out_t(&m, 2), 1, s);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Concatenation                                                                            */

TEST(cat_promotes_and_skips_legacy_empty) {
    mini m;
    float a[4] = {1, 2, 3, 4};
    int64_t b[2] = {7, 8};
    float e[1] = {0};
    int64_t sa[2] = {2, 2}, sb[2] = {2, 1}, se[1] = {0};
    mini_init(&m, "torch.ops.aten.cat.default");
    value_tensor(&m, "a", PT2C_DTYPE_F32, 2, sa, a);
    value_tensor(&m, "e", PT2C_DTYPE_F32, 1, se, e);
    value_tensor(&m, "b", PT2C_DTYPE_I64, 2, sb, b);
    const char *names[3] = {"a", "e", "b"};
    arg_tensor_list(&m, "tensors", 3, names, false);
    arg_int(&m, "dim", -1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[6] = {1, 2, 7, 3, 4, 8};
    int64_t w[2] = {2, 3};
    expect_sizes(out_t(&m, 0), 2, w);
    expect_f32(out_t(&m, 0), 6, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.stack.default");
    value_tensor(&m, "a", PT2C_DTYPE_F32, 2, sa, a);
    value_tensor(&m, "c", PT2C_DTYPE_F32, 2, sa, x12);
    const char *names2[2] = {"a", "c"};
    arg_tensor_list(&m, "tensors", 2, names2, false);
    arg_int(&m, "dim", 2);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[8] = {1, 0, 2, 1, 3, 2, 4, 3};
    int64_t w2[3] = {2, 2, 2};
    expect_sizes(out_t(&m, 0), 3, w2);
    expect_f32(out_t(&m, 0), 8, want2);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Creation                                                                                 */

TEST(arange_lengths_and_dtypes) {
    mini m;
    mini_init(&m, "torch.ops.aten.arange.start_step");
    arg_int(&m, "start", 10);
    arg_int(&m, "end", 0);
    arg_int(&m, "step", -3);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want[4] = {10, 7, 4, 1};
    expect_i64(out_t(&m, 0), 4, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.arange.start_step");
    arg_int(&m, "start", 0);
    arg_int(&m, "end", 2);
    arg_float(&m, "step", 0.5);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[4] = {0, 0.5f, 1, 1.5f};
    expect_f32(out_t(&m, 0), 4, want2);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.arange.start_step");
    arg_int(&m, "start", 0);
    arg_int(&m, "end", 2);
    arg_int(&m, "step", -1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "step sign");
    mini_free(&m);
}

TEST(full_dtype_from_value_and_zeros_like) {
    mini m;
    int64_t size[2] = {2, 3};
    mini_init(&m, "torch.ops.aten.full.default");
    arg_ints(&m, "size", 2, size);
    arg_int(&m, "fill_value", 7);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want[6] = {7, 7, 7, 7, 7, 7};
    expect_i64(out_t(&m, 0), 6, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.full.default");
    arg_ints(&m, "size", 2, size);
    arg_float(&m, "fill_value", 2.9);
    arg_dtype(&m, "dtype", PT2C_DTYPE_I64);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want2[6] = {2, 2, 2, 2, 2, 2};
    expect_i64(out_t(&m, 0), 6, want2);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.ones_like.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, size, x12);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float ones[6] = {1, 1, 1, 1, 1, 1};
    expect_f32(out_t(&m, 0), 6, ones);
    mini_free(&m);
}

TEST(to_copy_casts) {
    mini m;
    float x[4] = {-1.5f, 0.0f, 2.7f, NAN};
    int64_t s[1] = {4};
    mini_init(&m, "torch.ops.aten._to_copy.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_dtype(&m, "dtype", PT2C_DTYPE_BOOL);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    const uint8_t *b = out_t(&m, 0)->data;
    EXPECT_EQ(out_t(&m, 0)->dtype, PT2C_DTYPE_BOOL);
    EXPECT_TRUE(b[0] == 1 && b[1] == 0 && b[2] == 1 && b[3] == 1);
    mini_free(&m);
}

TEST(copy_broadcasts_src) {
    mini m;
    float self[6] = {0};
    int64_t src[3] = {1, 2, 3};
    int64_t ss[2] = {2, 3}, sr[1] = {3};
    mini_init(&m, "torch.ops.aten.copy.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, ss, self);
    arg_tensor(&m, "src", PT2C_DTYPE_I64, 1, sr, src);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[6] = {1, 2, 3, 1, 2, 3};
    expect_f32(out_t(&m, 0), 6, want);
    mini_free(&m);
}

TEST(broadcast_tensors_and_meshgrid) {
    mini m;
    float a[3] = {1, 2, 3}, b[2] = {10, 20};
    int64_t sa[2] = {3, 1}, sb[1] = {2};
    mini_init(&m, "torch.ops.aten.broadcast_tensors.default");
    value_tensor(&m, "a", PT2C_DTYPE_F32, 2, sa, a);
    value_tensor(&m, "b", PT2C_DTYPE_F32, 1, sb, b);
    const char *names[2] = {"a", "b"};
    arg_tensor_list(&m, "tensors", 2, names, false);
    EXPECT_EQ(run_both(&m, 2, true), PT2C_OK);
    int64_t w[2] = {3, 2};
    expect_sizes(out_t(&m, 0), 2, w);
    float wa[6] = {1, 1, 2, 2, 3, 3}, wb[6] = {10, 20, 10, 20, 10, 20};
    expect_f32(out_t(&m, 0), 6, wa);
    expect_f32(out_t(&m, 1), 6, wb);
    mini_free(&m);

    /* xy: the first tensor runs along dim 1 -> both outputs [2, 3] */
    int64_t s3[1] = {3};
    mini_init(&m, "torch.ops.aten.meshgrid.indexing");
    value_tensor(&m, "a", PT2C_DTYPE_F32, 1, s3, a);
    value_tensor(&m, "b", PT2C_DTYPE_F32, 1, sb, b);
    arg_tensor_list(&m, "tensors", 2, names, false);
    arg_string(&m, "indexing", "xy");
    EXPECT_EQ(run_both(&m, 2, true), PT2C_OK);
    int64_t wx[2] = {2, 3};
    expect_sizes(out_t(&m, 0), 2, wx);
    float xa[6] = {1, 2, 3, 1, 2, 3}, xb[6] = {10, 10, 10, 20, 20, 20};
    expect_f32(out_t(&m, 0), 6, xa);
    expect_f32(out_t(&m, 1), 6, xb);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Indexing                                                                                 */

TEST(embedding_rows_and_out_of_range) {
    mini m;
    int64_t idx[3] = {2, -1, 7}, sw[2] = {3, 4}, si[1] = {3};
    mini_init(&m, "torch.ops.aten.embedding.default");
    arg_tensor(&m, "weight", PT2C_DTYPE_F32, 2, sw, x12);
    arg_tensor(&m, "indices", PT2C_DTYPE_I64, 1, si, idx);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    /* PyTorch raises for -1 and 7: the kernel raises the first fault and reads zeros */
    float want[12] = {8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_f32(out_t(&m, 0), 12, want);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 1);
    EXPECT_EQ(m.step.fault.kind, PT2C_FAULT_INDEX);
    EXPECT_EQ(m.step.fault.value, -1);
    EXPECT_EQ(m.step.fault.size, 3);
    EXPECT_EQ(m.step.fault.input, 1);
    mini_free(&m);

    int64_t good[2] = {0, 2}, sg[1] = {2};
    mini_init(&m, "torch.ops.aten.embedding.default");
    arg_tensor(&m, "weight", PT2C_DTYPE_F32, 2, sw, x12);
    arg_tensor(&m, "indices", PT2C_DTYPE_I64, 1, sg, good);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 0);
    mini_free(&m);
}

TEST(index_tensor_adjacent_and_separated) {
    mini m;
    int64_t s[3] = {2, 3, 2}, i0[2] = {1, 0}, i2[2] = {0, 1}, si[1] = {2};
    /* x[:, [1, 0]] -> [2, 2, 2] */
    mini_init(&m, "torch.ops.aten.index.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x12);
    value_tensor(&m, "i", PT2C_DTYPE_I64, 1, si, i0);
    const char *n1[2] = {NULL, "i"};
    arg_tensor_list(&m, "indices", 2, n1, true);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[8] = {2, 3, 0, 1, 8, 9, 6, 7};
    expect_f32(out_t(&m, 0), 8, want);
    mini_free(&m);

    /* x[i, :, j]: separated by a slice, so B = [2] goes first -> [2, 3] */
    mini_init(&m, "torch.ops.aten.index.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x12);
    value_tensor(&m, "i", PT2C_DTYPE_I64, 1, si, i0);
    value_tensor(&m, "j", PT2C_DTYPE_I64, 1, si, i2);
    const char *n2[3] = {"i", NULL, "j"};
    arg_tensor_list(&m, "indices", 3, n2, true);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t w[2] = {2, 3};
    expect_sizes(out_t(&m, 0), 2, w);
    float want2[6] = {6, 8, 10, 1, 3, 5}; /* x[1, :, 0], x[0, :, 1] */
    expect_f32(out_t(&m, 0), 6, want2);
    mini_free(&m);

    uint8_t mask[2] = {1, 0};
    mini_init(&m, "torch.ops.aten.index.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x12);
    value_tensor(&m, "mask", PT2C_DTYPE_BOOL, 1, si, mask);
    const char *n3[1] = {"mask"};
    arg_tensor_list(&m, "indices", 1, n3, true);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_UNSUPPORTED);
    EXPECT_CONTAINS(m.err.msg, "boolean-mask");
    mini_free(&m);
}

TEST(gather_and_index_select) {
    mini m;
    int64_t s[2] = {3, 4}, g[4] = {3, 0, 1, 1}, sg[2] = {2, 2};
    mini_init(&m, "torch.ops.aten.gather.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 1);
    arg_tensor(&m, "index", PT2C_DTYPE_I64, 2, sg, g);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[4] = {3, 0, 5, 5};
    expect_f32(out_t(&m, 0), 4, want);
    mini_free(&m);

    int64_t idx[3] = {2, 2, 0}, si[1] = {3};
    mini_init(&m, "torch.ops.aten.index_select.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 0);
    arg_tensor(&m, "index", PT2C_DTYPE_I64, 1, si, idx);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {8, 9, 10, 11, 8, 9, 10, 11, 0, 1, 2, 3};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(gather_takes_int32_index) {
    mini m;
    int64_t s[2] = {3, 4}, sg[2] = {2, 2};
    int32_t g[4] = {3, 0, 1, 1};
    mini_init(&m, "torch.ops.aten.gather.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 1);
    arg_tensor(&m, "index", PT2C_DTYPE_I32, 2, sg, g);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[4] = {3, 0, 5, 5};
    expect_f32(out_t(&m, 0), 4, want);
    mini_free(&m);
}

/* self 3x4 (x12), dim 1, index [[3, 0], [1, 1], [2, 0]], src [[10, 11], [12, 13], [14, 15]] */
static int64_t sc_idx[6] = {3, 0, 1, 1, 2, 0};
static float sc_src[6] = {10, 11, 12, 13, 14, 15};

static void scatter_case(mini *m, const char *target) {
    static int64_t s[2] = {3, 4}, si[2] = {3, 2};
    mini_init(m, target);
    arg_tensor(m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(m, "dim", -1);
    arg_tensor(m, "index", PT2C_DTYPE_I64, 2, si, sc_idx);
    arg_tensor(m, "src", PT2C_DTYPE_F32, 2, si, sc_src);
}

TEST(scatter_src_add_and_reduce) {
    mini m;
    scatter_case(&m, "torch.ops.aten.scatter.src"); /* repeated targets: the last wins */
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {11, 1, 2, 10, 4, 13, 6, 7, 15, 9, 14, 11};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    scatter_case(&m, "torch.ops.aten.scatter_add.default");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {11, 1, 2, 13, 4, 30, 6, 7, 23, 9, 24, 11};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);

    scatter_case(&m, "torch.ops.aten.scatter_reduce.two");
    arg_string(&m, "reduce", "mean");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want3[12] = {5.5f, 1, 2, 6.5f, 4, 10, 6, 7, 11.5f, 9, 12, 11};
    expect_f32(out_t(&m, 0), 12, want3);
    mini_free(&m);

    /* include_self=False: self is left out of the targets' reductions */
    scatter_case(&m, "torch.ops.aten.scatter_reduce.two");
    arg_string(&m, "reduce", "amin");
    pt2c_named_arg *a = add_arg(&m, "include_self");
    a->arg.kind = PT2C_ARG_BOOL;
    a->arg.b = false;
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want4[12] = {11, 1, 2, 10, 4, 12, 6, 7, 15, 9, 14, 11};
    expect_f32(out_t(&m, 0), 12, want4);
    mini_free(&m);

    scatter_case(&m, "torch.ops.aten.scatter.reduce");
    arg_string(&m, "reduce", "multiply");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want5[12] = {0, 1, 2, 30, 4, 780, 6, 7, 120, 9, 140, 11};
    expect_f32(out_t(&m, 0), 12, want5);
    mini_free(&m);

    scatter_case(&m, "torch.ops.aten.scatter_reduce.two");
    arg_string(&m, "reduce", "median");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_UNSUPPORTED);
    mini_free(&m);
}

TEST(scatter_value_int_and_index_reduce) {
    mini m;
    int64_t s[2] = {3, 4}, si[2] = {1, 4}, x[12];
    for (int k = 0; k < 12; k++)
        x[k] = k;
    int32_t idx[4] = {0, 2, 1, 0};
    mini_init(&m, "torch.ops.aten.scatter.value");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 2, s, x);
    arg_int(&m, "dim", 0);
    arg_tensor(&m, "index", PT2C_DTYPE_I32, 2, si, idx);
    arg_int(&m, "value", -7);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want[12] = {-7, 1, 2, -7, 4, 5, -7, 7, 8, -7, 10, 11};
    expect_i64(out_t(&m, 0), 12, want);
    mini_free(&m);

    /* index_reduce prod along dim 0: row 0 times 2, row 2 times 2 twice, row 1 kept */
    int64_t two[12], ni[1] = {3};
    for (int k = 0; k < 12; k++)
        two[k] = 2;
    int64_t ridx[3] = {2, 0, 2};
    mini_init(&m, "torch.ops.aten.index_reduce.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 2, s, x);
    arg_int(&m, "dim", 0);
    arg_tensor(&m, "index", PT2C_DTYPE_I64, 1, ni, ridx);
    arg_tensor(&m, "source", PT2C_DTYPE_I64, 2, s, two);
    arg_string(&m, "reduce", "prod");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want2[12] = {0, 2, 4, 6, 4, 5, 6, 7, 32, 36, 40, 44};
    expect_i64(out_t(&m, 0), 12, want2);
    mini_free(&m);

    /* integer mean floors: row 0 = floor((0 + 2) / 2) ..., row 2 = floor((x + 4) / 3) */
    mini_init(&m, "torch.ops.aten.index_reduce.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 2, s, x);
    arg_int(&m, "dim", 0);
    arg_tensor(&m, "index", PT2C_DTYPE_I64, 1, ni, ridx);
    arg_tensor(&m, "source", PT2C_DTYPE_I64, 2, s, two);
    arg_string(&m, "reduce", "mean");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want3[12] = {1, 1, 2, 2, 4, 5, 6, 7, 4, 4, 4, 5};
    expect_i64(out_t(&m, 0), 12, want3);
    mini_free(&m);
}

TEST(scatter_index_out_of_range_raises) {
    mini m;
    int64_t bad[6] = {3, 0, 1, 4, 2, 0};
    memcpy(sc_idx, bad, sizeof bad);
    scatter_case(&m, "torch.ops.aten.scatter_add.default");
    EXPECT_EQ(mini_run(&m, 1, false, 3), PT2C_OK);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 1);
    EXPECT_EQ(m.step.fault.kind, PT2C_FAULT_INDEX);
    EXPECT_EQ(m.step.fault.value, 4);
    EXPECT_EQ(m.step.fault.size, 4);
    EXPECT_EQ(m.step.fault.input, 1);
    mini_free(&m);
    int64_t neg[6] = {3, 0, -1, 1, 2, 0};
    memcpy(sc_idx, neg, sizeof neg);
    scatter_case(&m, "torch.ops.aten.scatter.src"); /* no wrap: PyTorch raises for -1 */
    EXPECT_EQ(mini_run(&m, 1, false, 1), PT2C_OK);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 1);
    EXPECT_EQ(m.step.fault.value, -1);
    mini_free(&m);
    int64_t good[6] = {3, 0, 1, 1, 2, 0};
    memcpy(sc_idx, good, sizeof good);
    /* an index larger than self off dim is a shape error */
    int64_t s[2] = {3, 4}, si[2] = {4, 1}, idx[4] = {0, 0, 0, 0};
    mini_init(&m, "torch.ops.aten.scatter.value");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", 1);
    arg_tensor(&m, "index", PT2C_DTYPE_I64, 2, si, idx);
    arg_float(&m, "value", 1.0);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "index has size 4 in dim 0");
    mini_free(&m);
}

TEST(masked_scatter_takes_source_in_order) {
    mini m;
    uint8_t mask[4] = {1, 0, 0, 1};
    float src[8] = {-1, -2, -3, -4, -5, -6, -7, -8};
    int64_t s[2] = {3, 4}, sm[1] = {4}, ss[2] = {2, 4};
    mini_init(&m, "torch.ops.aten.masked_scatter.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_tensor(&m, "mask", PT2C_DTYPE_BOOL, 1, sm, mask); /* broadcast over the rows */
    arg_tensor(&m, "source", PT2C_DTYPE_F32, 2, ss, src);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {-1, 1, 2, -2, -3, 5, 6, -4, -5, 9, 10, -6};
    expect_f32(out_t(&m, 0), 12, want);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 0);
    mini_free(&m);

    int64_t s5[1] = {5}; /* 6 true positions, 5 source elements: raises */
    mini_init(&m, "torch.ops.aten.masked_scatter.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_tensor(&m, "mask", PT2C_DTYPE_BOOL, 1, sm, mask);
    arg_tensor(&m, "source", PT2C_DTYPE_F32, 1, s5, src);
    EXPECT_EQ(mini_run(&m, 1, false, 3), PT2C_OK);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 1);
    EXPECT_EQ(m.step.fault.value, 5);
    EXPECT_EQ(m.step.fault.size, 5);
    mini_free(&m);
}

TEST(bincount_counts_and_weights) {
    mini m;
    int64_t x[5] = {1, 4, 1, 0, 1}, s[1] = {5};
    float w[5] = {0.5f, 2, 0.25f, 1, 4};
    mini_init(&m, "torch.ops.aten.bincount.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, x);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t want[5] = {1, 3, 0, 0, 1};
    expect_i64(out_t(&m, 0), 5, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.bincount.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, x);
    arg_tensor(&m, "weights", PT2C_DTYPE_F32, 1, s, w);
    arg_int(&m, "minlength", 7);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[7] = {1, 4.75f, 0, 0, 2, 0, 0};
    expect_f32(out_t(&m, 0), 7, want2);
    mini_free(&m);

    int64_t neg[5] = {1, -1, 0, 0, 0};
    mini_init(&m, "torch.ops.aten.bincount.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, neg);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_VALUE);
    EXPECT_CONTAINS(m.err.msg, "negative");
    mini_free(&m);
}

TEST(masked_fill_and_where_broadcast) {
    mini m;
    uint8_t mask[4] = {1, 0, 0, 1};
    int64_t s[2] = {3, 4}, sm[1] = {4};
    mini_init(&m, "torch.ops.aten.masked_fill.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_tensor(&m, "mask", PT2C_DTYPE_BOOL, 1, sm, mask);
    arg_float(&m, "value", -INFINITY);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {-INFINITY, 1,         2,         -INFINITY, -INFINITY, 5,
                      6,         -INFINITY, -INFINITY, 9,         10,        -INFINITY};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    int64_t other[1] = {-1}, so[1] = {1};
    mini_init(&m, "torch.ops.aten.where.self");
    arg_tensor(&m, "condition", PT2C_DTYPE_BOOL, 1, sm, mask);
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_tensor(&m, "other", PT2C_DTYPE_I64, 1, so, other);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {0, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1, 11};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(triu_tril_diagonals) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.triu.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "diagonal", 1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.tril.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {0, 0, 0, 0, 4, 5, 0, 0, 8, 9, 10, 0};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(pad_modes) {
    mini m;
    float x[3] = {1, 2, 3};
    int64_t s[1] = {3}, pad[2] = {2, 1};
    const char *modes[3] = {"reflect", "replicate", "circular"};
    float want[3][6] = {{3, 2, 1, 2, 3, 2}, {1, 1, 1, 2, 3, 3}, {2, 3, 1, 2, 3, 1}};
    for (int k = 0; k < 3; k++) {
        mini_init(&m, "torch.ops.aten.pad.default");
        arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
        arg_ints(&m, "pad", 2, pad);
        arg_string(&m, "mode", modes[k]);
        EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
        expect_f32(out_t(&m, 0), 6, want[k]);
        mini_free(&m);
    }
    int64_t crop[2] = {-1, 2};
    mini_init(&m, "torch.ops.aten.constant_pad_nd.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_ints(&m, "pad", 2, crop);
    arg_float(&m, "value", 9.5);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[4] = {2, 3, 9.5f, 9.5f};
    expect_f32(out_t(&m, 0), 4, want2);
    mini_free(&m);

    int64_t big[2] = {3, 0};
    mini_init(&m, "torch.ops.aten.pad.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_ints(&m, "pad", 2, big);
    arg_string(&m, "mode", "reflect");
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "smaller than");
    mini_free(&m);
}

TEST(roll_flattened_and_per_dim) {
    mini m;
    int64_t s[2] = {3, 4}, sh[1] = {-1}, dims[1] = {1};
    mini_init(&m, "torch.ops.aten.roll.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_ints(&m, "shifts", 1, sh);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.roll.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_ints(&m, "shifts", 1, sh);
    arg_ints(&m, "dims", 1, dims);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(slice_scatter_replaces_rows) {
    mini m;
    float src[4] = {-1, -2, -3, -4};
    int64_t s[2] = {3, 4}, ss[2] = {2, 2};
    mini_init(&m, "torch.ops.aten.slice_scatter.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_tensor(&m, "src", PT2C_DTYPE_F32, 2, ss, src);
    arg_int(&m, "dim", 1);
    arg_int(&m, "start", 1);
    arg_int(&m, "step", 2);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE); /* src must be [3, 2] */
    EXPECT_CONTAINS(m.err.msg, "does not match");
    mini_free(&m);

    float src3[6] = {-1, -2, -3, -4, -5, -6};
    int64_t s3[2] = {3, 2};
    mini_init(&m, "torch.ops.aten.slice_scatter.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_tensor(&m, "src", PT2C_DTYPE_F32, 2, s3, src3);
    arg_int(&m, "dim", 1);
    arg_int(&m, "start", 1);
    arg_int(&m, "step", 2);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {0, -1, 2, -2, 4, -3, 6, -4, 8, -5, 10, -6};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);
}

TEST(index_put_last_wins_and_accumulates) {
    mini m;
    int64_t s[2] = {3, 4}, idx[3] = {2, 0, 2}, si[1] = {3}, sv[1] = {1};
    float v[1] = {-1};
    float vals[3] = {10, 20, 30};
    int64_t sv3[2] = {3, 1};
    /* x[[2, 0, 2]] += [[10], [20], [30]]: row 2 gets 40 added, row 0 gets 20 */
    mini_init(&m, "torch.ops.aten.index_put.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    value_tensor(&m, "i", PT2C_DTYPE_I64, 1, si, idx);
    const char *names[1] = {"i"};
    arg_tensor_list(&m, "indices", 1, names, true);
    arg_tensor(&m, "values", PT2C_DTYPE_F32, 2, sv3, vals);
    pt2c_named_arg *acc = add_arg(&m, "accumulate");
    acc->arg.kind = PT2C_ARG_BOOL;
    acc->arg.b = true;
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[12] = {20, 21, 22, 23, 4, 5, 6, 7, 48, 49, 50, 51};
    expect_f32(out_t(&m, 0), 12, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.index_put.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    value_tensor(&m, "i", PT2C_DTYPE_I64, 1, si, idx);
    arg_tensor_list(&m, "indices", 1, names, true);
    arg_tensor(&m, "values", PT2C_DTYPE_F32, 1, sv, v);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want2[12] = {-1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1};
    expect_f32(out_t(&m, 0), 12, want2);
    mini_free(&m);
}

TEST(diagonal_and_unfold) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.diagonal.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "offset", 1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    float want[3] = {1, 6, 11};
    expect_f32(out_t(&m, 0), 3, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.unfold.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dimension", 1);
    arg_int(&m, "size", 3);
    arg_int(&m, "step", 1);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_OK);
    int64_t w[3] = {3, 2, 3};
    expect_sizes(out_t(&m, 0), 3, w);
    float want2[18] = {0, 1, 2, 1, 2, 3, 4, 5, 6, 5, 6, 7, 8, 9, 10, 9, 10, 11};
    expect_f32(out_t(&m, 0), 18, want2);
    mini_free(&m);

    int64_t size[2] = {2, 2}, stride[2] = {1, 12};
    mini_init(&m, "torch.ops.aten.as_strided.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_ints(&m, "size", 2, size);
    arg_ints(&m, "stride", 2, stride);
    EXPECT_EQ(run_both(&m, 1, false), PT2C_ERR_SHAPE); /* reaches element 13 of 12 */
    EXPECT_CONTAINS(m.err.msg, "as_strided reaches");
    mini_free(&m);
}

TEST(sym_size_sets_an_int) {
    mini m;
    int64_t s[2] = {3, 4};
    mini_init(&m, "torch.ops.aten.sym_size.int");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x12);
    arg_int(&m, "dim", -1);
    const pt2c_op_def *op = pt2c_op_find(m.node.target);
    EXPECT_TRUE(op && (op->flags & PT2C_OP_SYM));
    m.outs[0].kind = PT2C_ARG_SYM_INT;
    m.outs[0].name = "s0";
    m.node.n_outputs = 1;
    pt2c_op_ctx ctx = {.plan = &m.plan, .step = &m.step, .err = &m.err};
    EXPECT_EQ(op->parse(&ctx, &m.step.params), PT2C_OK);
    m.step.inputs = ctx.inputs;
    m.step.n_inputs = ctx.n_inputs;
    int32_t slot = m.plan.n_values++;
    m.step.outputs = &slot;
    m.step.n_outputs = 1;
    EXPECT_EQ(op->shape(&ctx, m.step.params), PT2C_OK);
    EXPECT_EQ(m.plan.values[slot].kind, PT2C_VALUE_INT);
    EXPECT_EQ(m.plan.values[slot].i, 4);
    mini_free(&m);
}

TEST_MAIN()
