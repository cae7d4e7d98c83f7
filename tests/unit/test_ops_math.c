/* test_ops_math.c - the math family (elementwise arithmetic, comparisons, reductions,
 * softmax, scans, sort/top-k, matrix products) on small hand-checked cases, through the op
 * table: each case builds one node, runs the op's parse and shape functions on a miniature
 * plan, then its kernel with 1 and with 3 threads (the shares run one after another) and
 * checks both results are byte-identical. Tie orders of sort/topk are PyTorch 2.13's own
 * results, recorded by hand. The gemm and broadcast helpers are also tested directly. */
#include "harness.h"
#include "ops/bcast.h"
#include "ops/gemm.h"
#include "ops/op_decls.h"
#include "runtime/runtime.h"
#include "test_cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* A one-node plan                                                                          */

enum { MAX_ARGS = 12, MAX_VALUES = 64, MAX_OUTS = 4 };

typedef struct mini {
    pt2c_program prog;
    pt2c_plan plan;
    pt2c_step step;
    pt2c_node node;
    pt2c_named_arg args[MAX_ARGS];
    pt2c_arg outs[MAX_OUTS];
    pt2c_error err;
    void *buffers[MAX_OUTS];
    void *scratch;
    const pt2c_ktensor *in_ptrs[MAX_VALUES];
    pt2c_ktensor *out_ptrs[MAX_OUTS];
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

static void arg_bool(mini *m, const char *name, bool v) {
    pt2c_named_arg *a = add_arg(m, name);
    a->arg.kind = PT2C_ARG_BOOL;
    a->arg.b = v;
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

static void run_kernel(mini *m, const pt2c_op_def *op, int n_out, int nth) {
    pt2c_kernel_args args = {
        m->in_ptrs, m->step.n_inputs, m->out_ptrs, n_out,          m->step.params,
        m->scratch, m->plan.cpu,      NULL,        &m->step.fault, NULL};
    for (int ith = 0; ith < nth; ith++)
        op->kernel(&args, ith, nth);
}

/* Bind, shape and run with 1 thread, then again with 3 threads: outputs must be identical.
 * Returns the status of parse/shape. */
static pt2c_status mini_run(mini *m, int n_out) {
    const pt2c_op_def *op = pt2c_op_find(m->node.target);
    if (!op) {
        HARNESS_FAIL("no op %s", m->node.target);
        return PT2C_ERR_UNSUPPORTED;
    }
    static const char *const out_names[MAX_OUTS] = {"o0", "o1", "o2", "o3"};
    m->node.n_outputs = n_out;
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
    size_t scratch = op->scratch(&ctx, m->step.params);
    m->scratch = scratch ? malloc(scratch) : NULL;
    for (int32_t i = 0; i < m->step.n_inputs; i++)
        m->in_ptrs[i] = &m->plan.values[m->step.inputs[i]].t;
    size_t bytes[MAX_OUTS] = {0};
    for (int k = 0; k < n_out; k++) {
        pt2c_value *v = &m->plan.values[outs[k]];
        m->out_ptrs[k] = &v->t;
        bytes[k] = (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
        m->buffers[k] = calloc(bytes[k] ? bytes[k] : 1, 1);
        v->t.data = m->buffers[k];
    }
    run_kernel(m, op, n_out, 1);
    void *first[MAX_OUTS] = {NULL};
    for (int k = 0; k < n_out; k++) {
        first[k] = malloc(bytes[k] ? bytes[k] : 1);
        memcpy(first[k], m->buffers[k], bytes[k]);
        memset(m->buffers[k], 0xAB, bytes[k]);
    }
    run_kernel(m, op, n_out, 3);
    for (int k = 0; k < n_out; k++) {
        if (memcmp(first[k], m->buffers[k], bytes[k]) != 0)
            HARNESS_FAIL("%s: output %d differs between 1 and 3 threads", m->node.target, k);
        free(first[k]);
    }
    return PT2C_OK;
}

static const pt2c_ktensor *out_t(mini *m, int k) { return m->out_ptrs[k]; }

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
            HARNESS_FAIL("element %lld: %.9g != %.9g", (long long)i, (double)got[i],
                         (double)want[i]);
}

static void expect_near(const pt2c_ktensor *t, int64_t n, const float *want, double tol) {
    EXPECT_EQ(t->dtype, PT2C_DTYPE_F32);
    EXPECT_EQ(t->numel, n);
    const float *got = t->data;
    for (int64_t i = 0; i < n && i < t->numel; i++)
        if (!(got[i] == want[i] || fabs((double)got[i] - (double)want[i]) <= tol ||
              (isnan(got[i]) && isnan(want[i]))))
            HARNESS_FAIL("element %lld: %.9g != %.9g", (long long)i, (double)got[i],
                         (double)want[i]);
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

static void expect_bool(const pt2c_ktensor *t, int64_t n, const uint8_t *want) {
    EXPECT_EQ(t->dtype, PT2C_DTYPE_BOOL);
    EXPECT_EQ(t->numel, n);
    const uint8_t *got = t->data;
    for (int64_t i = 0; i < n && i < t->numel; i++)
        if (got[i] != want[i])
            HARNESS_FAIL("element %lld: %d != %d", (long long)i, got[i], want[i]);
}

/* One binary op on two 1-D tensors of the same length. */
static void binary_1d(mini *m, const char *target, pt2c_dtype dt, int64_t n, void *a, void *b) {
    int64_t s[1] = {n};
    mini_init(m, target);
    arg_tensor(m, "self", dt, 1, s, a);
    arg_tensor(m, strstr(target, "pow.") ? "exponent" : "other", dt, 1, s, b);
    if (mini_run(m, 1) != PT2C_OK)
        HARNESS_FAIL("%s: %s", target, m->err.msg);
}

/* ---------------------------------------------------------------------------------------- */
/* Integer arithmetic                                                                       */

static int64_t ia[8] = {7, -7, 7, -7, 0, INT64_MIN, 5, -5};
static int64_t ib[8] = {2, 2, -2, -2, 3, -1, 0, 0};

TEST(floor_divide_floors_toward_minus_infinity) {
    mini m;
    binary_1d(&m, "torch.ops.aten.floor_divide.default", PT2C_DTYPE_I64, 8, ia, ib);
    /* x // 0 is defined as 0 (PyTorch raises); INT64_MIN // -1 wraps. */
    int64_t want[8] = {3, -4, -4, 3, 0, INT64_MIN, 0, 0};
    expect_i64(out_t(&m, 0), 8, want);
    mini_free(&m);
}

TEST(remainder_takes_the_sign_of_the_divisor) {
    mini m;
    binary_1d(&m, "torch.ops.aten.remainder.Tensor", PT2C_DTYPE_I64, 8, ia, ib);
    int64_t want[8] = {1, 1, -1, -1, 0, 0, 5, -5}; /* x % 0 == x keeps x == (x//y)*y + x%y */
    expect_i64(out_t(&m, 0), 8, want);
    mini_free(&m);
}

TEST(fmod_and_trunc_division_take_the_sign_of_the_dividend) {
    mini m;
    binary_1d(&m, "torch.ops.aten.fmod.Tensor", PT2C_DTYPE_I64, 8, ia, ib);
    int64_t want[8] = {1, -1, 1, -1, 0, 0, 5, -5};
    expect_i64(out_t(&m, 0), 8, want);
    mini_free(&m);
    int64_t s[1] = {8};
    mini_init(&m, "torch.ops.aten.div.Tensor_mode");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, ia);
    arg_tensor(&m, "other", PT2C_DTYPE_I64, 1, s, ib);
    arg_string(&m, "rounding_mode", "trunc");
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t trunc[8] = {3, -3, -3, 3, 0, INT64_MIN, 0, 0};
    expect_i64(out_t(&m, 0), 8, trunc);
    mini_free(&m);
}

TEST(literal_zero_divisor_is_a_plan_error) {
    mini m;
    int64_t s[1] = {8};
    mini_init(&m, "torch.ops.aten.remainder.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, ia);
    arg_int(&m, "other", 0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "by zero");
    mini_free(&m);
}

TEST(true_division_of_integers_gives_float32) {
    mini m;
    int64_t a[3] = {1, -7, 0}, b[3] = {2, 2, 0};
    binary_1d(&m, "torch.ops.aten.div.Tensor", PT2C_DTYPE_I64, 3, a, b);
    float want[3] = {0.5f, -3.5f, NAN};
    expect_f32(out_t(&m, 0), 3, want);
    mini_free(&m);
}

TEST(int32_plus_python_float_is_float32_and_plus_int_stays_int32) {
    mini m;
    int32_t a[3] = {1, -2, 2147483647};
    int64_t s[1] = {3};
    mini_init(&m, "torch.ops.aten.add.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_I32, 1, s, a);
    arg_float(&m, "other", 0.5);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want[3] = {1.5f, -1.5f, 2147483647.5f};
    expect_f32(out_t(&m, 0), 3, want);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.add.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_I32, 1, s, a);
    arg_int(&m, "other", 1);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    EXPECT_EQ(out_t(&m, 0)->dtype, PT2C_DTYPE_I32);
    EXPECT_EQ(((int32_t *)out_t(&m, 0)->data)[2], INT32_MIN); /* wraps */
    mini_free(&m);
}

TEST(pow_of_integers_and_rsub) {
    mini m;
    int64_t base[5] = {2, -3, 1, -1, 5}, e[5] = {10, 3, -4, -3, -1};
    binary_1d(&m, "torch.ops.aten.pow.Tensor_Tensor", PT2C_DTYPE_I64, 5, base, e);
    int64_t want[5] = {1024, -27, 1, -1, 0};
    expect_i64(out_t(&m, 0), 5, want);
    mini_free(&m);
    float x[3] = {1.0f, 2.0f, -3.0f};
    int64_t s[1] = {3};
    mini_init(&m, "torch.ops.aten.rsub.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_int(&m, "other", 10);
    arg_int(&m, "alpha", 2);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float r[3] = {8.0f, 6.0f, 16.0f}; /* 10 - 2 * x */
    expect_f32(out_t(&m, 0), 3, r);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Broadcasting, comparisons, clamp                                                          */

TEST(broadcast_matches_a_naive_loop) {
    /* a[2, 1, 3] - b[4, 1] -> [2, 4, 3] */
    float a[6] = {1, 2, 3, 4, 5, 6}, b[4] = {10, 20, 30, 40};
    int64_t sa[3] = {2, 1, 3}, sb[2] = {4, 1};
    mini m;
    mini_init(&m, "torch.ops.aten.sub.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, sa, a);
    arg_tensor(&m, "other", PT2C_DTYPE_F32, 2, sb, b);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t so[3] = {2, 4, 3};
    expect_sizes(out_t(&m, 0), 3, so);
    float want[24];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
            for (int k = 0; k < 3; k++)
                want[(i * 4 + j) * 3 + k] = a[i * 3 + k] - b[j];
    expect_f32(out_t(&m, 0), 24, want);
    mini_free(&m);
}

TEST(bcast_iterator_runs_cover_every_element) {
    /* x[3, 1, 4, 5] with y[2, 1, 1]: runs must address what a per-element walk does. */
    pt2c_ktensor x = {.rank = 4, .sizes = {3, 1, 4, 5}, .numel = 60};
    pt2c_ktensor y = {.rank = 3, .sizes = {2, 1, 1}, .numel = 2};
    pt2c_ktensor out = {.rank = 4, .sizes = {3, 2, 4, 5}, .numel = 120};
    const pt2c_ktensor *in[2] = {&x, &y};
    for (int64_t begin = 0; begin < 120; begin += 17) {
        pt2c_bcast it;
        pt2c_bcast_start(&it, &out, in, 2, begin);
        for (int64_t i = begin; i < 120;) {
            int64_t n = pt2c_bcast_run(&it, 120 - i);
            EXPECT_TRUE(n >= 1);
            for (int64_t j = 0; j < n; j++) {
                int64_t o = i + j, c = o % 5, r = (o / 5) % 4, q = (o / 20) % 2, p = o / 40;
                EXPECT_EQ(it.off[0] + j * it.inner[0], (p * 4 + r) * 5 + c);
                EXPECT_EQ(it.off[1] + j * it.inner[1], q);
            }
            i += n;
            pt2c_bcast_advance(&it, n);
        }
    }
}

TEST(comparisons_with_nan_and_scalars) {
    float x[4] = {0.5f, NAN, -1.0f, 2.0f};
    int64_t s[1] = {4};
    mini m;
    mini_init(&m, "torch.ops.aten.ne.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_float(&m, "other", 0.5);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    uint8_t ne[4] = {0, 1, 1, 1};
    expect_bool(out_t(&m, 0), 4, ne);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.ge.Scalar");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_int(&m, "other", 0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    uint8_t ge[4] = {1, 0, 0, 1};
    expect_bool(out_t(&m, 0), 4, ge);
    mini_free(&m);
}

TEST(logical_and_bitwise_ops) {
    int64_t a[4] = {0, 5, -1, 12}, b[4] = {3, 0, 6, 10};
    mini m;
    binary_1d(&m, "torch.ops.aten.logical_xor.default", PT2C_DTYPE_I64, 4, a, b);
    uint8_t x[4] = {1, 1, 0, 0};
    expect_bool(out_t(&m, 0), 4, x);
    mini_free(&m);
    binary_1d(&m, "torch.ops.aten.bitwise_and.Tensor", PT2C_DTYPE_I64, 4, a, b);
    int64_t band[4] = {0, 0, 6, 8};
    expect_i64(out_t(&m, 0), 4, band);
    mini_free(&m);
    float f[4] = {1, 2, 3, 4};
    int64_t s[1] = {4};
    mini_init(&m, "torch.ops.aten.bitwise_or.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, f);
    arg_tensor(&m, "other", PT2C_DTYPE_F32, 1, s, f);
    EXPECT_EQ(mini_run(&m, 1), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "integer or bool");
    mini_free(&m);
}

TEST(clamp_propagates_nan_and_lo_above_hi_gives_hi) {
    float x[4] = {NAN, -5.0f, 0.25f, 5.0f};
    int64_t s[1] = {4};
    mini m;
    mini_init(&m, "torch.ops.aten.clamp.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_float(&m, "min", -1.0);
    arg_float(&m, "max", 1.0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want[4] = {NAN, -1.0f, 0.25f, 1.0f};
    expect_f32(out_t(&m, 0), 4, want);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.clamp.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_float(&m, "min", 2.0);
    arg_float(&m, "max", -2.0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float hi[4] = {NAN, -2.0f, -2.0f, -2.0f};
    expect_f32(out_t(&m, 0), 4, hi);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.clamp.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_ERR_FORMAT); /* neither bound */
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Unary                                                                                    */

TEST(sign_round_and_bool_results) {
    float x[6] = {NAN, -0.0f, 2.5f, -2.5f, 0.5f, -3.7f};
    int64_t s[1] = {6};
    mini m;
    mini_init(&m, "torch.ops.aten.sign.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float sign[6] = {0.0f, 0.0f, 1.0f, -1.0f, 1.0f, -1.0f}; /* NaN -> 0 as PyTorch */
    expect_f32(out_t(&m, 0), 6, sign);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.round.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float round[6] = {NAN, -0.0f, 2.0f, -2.0f, 0.0f, -4.0f}; /* half to even */
    expect_f32(out_t(&m, 0), 6, round);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.isnan.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    uint8_t nan[6] = {1, 0, 0, 0, 0, 0};
    expect_bool(out_t(&m, 0), 6, nan);
    mini_free(&m);
}

TEST(float_math_of_integers_gives_float32) {
    int64_t x[3] = {0, 1, 4};
    int64_t s[1] = {3};
    mini m;
    mini_init(&m, "torch.ops.aten.sqrt.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want[3] = {0.0f, 1.0f, 2.0f};
    expect_f32(out_t(&m, 0), 3, want);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Reductions                                                                               */

TEST(sum_over_the_middle_dim_and_keepdim) {
    float x[24];
    for (int i = 0; i < 24; i++)
        x[i] = (float)i;
    int64_t s[3] = {2, 3, 4}, d[1] = {1};
    mini m;
    mini_init(&m, "torch.ops.aten.sum.dim_IntList");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 3, s, x);
    arg_ints(&m, "dim", 1, d);
    arg_bool(&m, "keepdim", true);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t so[3] = {2, 1, 4};
    expect_sizes(out_t(&m, 0), 3, so);
    float want[8] = {12, 15, 18, 21, 48, 51, 54, 57};
    expect_f32(out_t(&m, 0), 8, want);
    mini_free(&m);
    /* An empty dim list reduces everything; bools sum to int64. */
    uint8_t b[5] = {1, 0, 1, 1, 0};
    int64_t sb[1] = {5};
    mini_init(&m, "torch.ops.aten.sum.dim_IntList");
    arg_tensor(&m, "self", PT2C_DTYPE_BOOL, 1, sb, b);
    arg_ints(&m, "dim", 0, NULL);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t three[1] = {3};
    expect_i64(out_t(&m, 0), 1, three);
    EXPECT_EQ(out_t(&m, 0)->rank, 0);
    mini_free(&m);
}

TEST(max_dim_takes_the_first_maximum_and_nan_wins) {
    float x[8] = {1, 3, 3, 2, 4, NAN, 9, NAN};
    int64_t s[2] = {2, 4};
    mini m;
    mini_init(&m, "torch.ops.aten.max.dim");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    arg_int(&m, "dim", -1);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    float v[2] = {3, NAN};
    int64_t i[2] = {1, 1};
    expect_f32(out_t(&m, 0), 2, v);
    expect_i64(out_t(&m, 1), 2, i);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.argmin.default"); /* dim None: flattened index */
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t five[1] = {5};
    expect_i64(out_t(&m, 0), 1, five);
    mini_free(&m);
}

TEST(var_with_corrections) {
    float x[4] = {1, 2, 3, 4};
    int64_t s[1] = {4};
    mini m;
    mini_init(&m, "torch.ops.aten.var.correction");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float unbiased[1] = {5.0f / 3.0f};
    expect_near(out_t(&m, 0), 1, unbiased, 1e-7);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.var_mean.correction");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_int(&m, "correction", 0);
    arg_bool(&m, "keepdim", true);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    float biased[1] = {1.25f}, mean[1] = {2.5f};
    expect_f32(out_t(&m, 0), 1, biased);
    expect_f32(out_t(&m, 1), 1, mean);
    EXPECT_EQ(out_t(&m, 0)->rank, 1);
    mini_free(&m);
}

TEST(mean_of_integers_needs_a_dtype) {
    int64_t x[2] = {1, 2}, s[1] = {2};
    mini m;
    mini_init(&m, "torch.ops.aten.mean.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "floating");
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Softmax, scans                                                                           */

TEST(softmax_rows_and_fully_masked_rows) {
    float x[6] = {1, 2, 3, -INFINITY, -INFINITY, -INFINITY};
    int64_t s[2] = {2, 3};
    mini m;
    mini_init(&m, "torch.ops.aten._softmax.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    arg_int(&m, "dim", 1);
    arg_bool(&m, "half_to_float", false);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    double e1 = exp(-2.0), e2 = exp(-1.0), z = 1.0 + e1 + e2;
    float want[6] = {(float)(e1 / z), (float)(e2 / z), (float)(1.0 / z), NAN, NAN, NAN};
    expect_near(out_t(&m, 0), 6, want, 1e-7);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten._safe_softmax.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    arg_int(&m, "dim", -1);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float safe[6] = {want[0], want[1], want[2], 0, 0, 0};
    expect_near(out_t(&m, 0), 6, safe, 1e-7);
    mini_free(&m);
}

TEST(cumsum_of_int32_and_bool_gives_int64) {
    int32_t x[6] = {1, -2, 3, 4, 5, 6};
    int64_t s[2] = {2, 3};
    mini m;
    mini_init(&m, "torch.ops.aten.cumsum.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I32, 2, s, x);
    arg_int(&m, "dim", 0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t want[6] = {1, -2, 3, 5, 3, 9};
    expect_i64(out_t(&m, 0), 6, want);
    mini_free(&m);
}

TEST(cummax_cummin_ties_and_nan) {
    float x[6] = {1, 3, 3, NAN, 5, NAN};
    int64_t s[2] = {1, 6};
    mini m;
    mini_init(&m, "torch.ops.aten.cummax.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, s, x);
    arg_int(&m, "dim", -1);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    float want[6] = {1, 3, 3, NAN, NAN, NAN};
    int64_t want_i[6] = {0, 1, 2, 3, 3, 5}; /* ties take the later index, NaN stays */
    expect_f32(out_t(&m, 0), 6, want);
    expect_i64(out_t(&m, 1), 6, want_i);
    mini_free(&m);

    int64_t xi[6] = {3, 1, 2, 1, 5, 2}, s2[2] = {2, 3};
    mini_init(&m, "torch.ops.aten.cummin.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 2, s2, xi);
    arg_int(&m, "dim", 0);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    int64_t want2[6] = {3, 1, 2, 1, 1, 2}, want2_i[6] = {0, 0, 0, 1, 0, 1};
    expect_i64(out_t(&m, 0), 6, want2);
    expect_i64(out_t(&m, 1), 6, want2_i);
    mini_free(&m);
}

TEST(logcumsumexp_infinities) {
    float x[4] = {0, 0, -INFINITY, INFINITY};
    int64_t s[1] = {4};
    mini m;
    mini_init(&m, "torch.ops.aten.logcumsumexp.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    arg_int(&m, "dim", 0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want[4] = {0, 0.69314718f, 0.69314718f, INFINITY};
    expect_near(out_t(&m, 0), 4, want, 1e-6);
    mini_free(&m);

    int64_t xi[4] = {1, 2, 3, 4};
    mini_init(&m, "torch.ops.aten.logcumsumexp.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, xi);
    arg_int(&m, "dim", 0);
    EXPECT_EQ(mini_run(&m, 1), PT2C_ERR_UNSUPPORTED);
    mini_free(&m);
}

TEST(searchsorted_sides_nan_and_sorter) {
    float seq[5] = {1, 2, 2, 3, NAN}, v[5] = {2, 0, 3.5f, NAN, 2.5f};
    int64_t s[1] = {5};
    mini m;
    mini_init(&m, "torch.ops.aten.searchsorted.Tensor");
    arg_tensor(&m, "sorted_sequence", PT2C_DTYPE_F32, 1, s, seq);
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, v);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    /* PyTorch's steps (!(mid >= v)): a NaN value, and a probe that meets the NaN boundary,
     * go to the end (torch gives [1, 0, 5, 5, 5]) */
    int64_t want[5] = {1, 0, 5, 5, 5};
    expect_i64(out_t(&m, 0), 5, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.bucketize.Tensor");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, v);
    arg_tensor(&m, "boundaries", PT2C_DTYPE_F32, 1, s, seq);
    arg_bool(&m, "right", true);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t want2[5] = {5, 0, 5, 5, 5}; /* torch.bucketize(v, seq, right=True) */
    expect_i64(out_t(&m, 0), 5, want2);
    mini_free(&m);

    /* sorter: seq read as {3, 1, 2} -> order [1, 2, 0]; a sorter entry of 3 raises */
    int64_t iseq[3] = {3, 1, 2}, iv[2] = {2, 4}, s3[1] = {3}, s2[1] = {2};
    int64_t order[3] = {1, 2, 0}, bad[3] = {1, 3, 0};
    mini_init(&m, "torch.ops.aten.searchsorted.Tensor");
    arg_tensor(&m, "sorted_sequence", PT2C_DTYPE_I64, 1, s3, iseq);
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s2, iv);
    arg_tensor(&m, "sorter", PT2C_DTYPE_I64, 1, s3, order);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t want3[2] = {1, 3};
    expect_i64(out_t(&m, 0), 2, want3);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 0);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.searchsorted.Tensor");
    arg_tensor(&m, "sorted_sequence", PT2C_DTYPE_I64, 1, s3, iseq);
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s2, iv);
    arg_tensor(&m, "sorter", PT2C_DTYPE_I64, 1, s3, bad);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    EXPECT_EQ(atomic_load(&m.step.fault.raised), 1);
    EXPECT_EQ(m.step.fault.value, 3);
    mini_free(&m);
}

TEST(median_lower_and_nan) {
    float x[4] = {3, -1, 2, 10}, xn[4] = {3, NAN, 2, 10};
    int64_t s[1] = {4};
    mini m;
    mini_init(&m, "torch.ops.aten.median.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, x);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want[1] = {2}; /* the lower of the two middle values */
    expect_f32(out_t(&m, 0), 1, want);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.median.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, xn);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want2[1] = {NAN};
    expect_f32(out_t(&m, 0), 1, want2);
    mini_free(&m);

    mini_init(&m, "torch.ops.aten.nanmedian.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s, xn);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want3[1] = {3};
    expect_f32(out_t(&m, 0), 1, want3);
    mini_free(&m);

    int64_t xi[5] = {5, -7, 5, 0, 9}, s5[1] = {5};
    mini_init(&m, "torch.ops.aten.median.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s5, xi);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t want4[1] = {5};
    expect_i64(out_t(&m, 0), 1, want4);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Sort and top-k: tie orders as PyTorch 2.13 returns them on the CPU                       */

static float tx[8] = {1, 3, 3, 2, 3, 1, NAN, 1};
static int64_t ty[8] = {1, 3, 3, 2, 3, 1, 1, 5};

static void topk_case(const char *what, pt2c_dtype dt, void *data, int64_t k, bool largest,
                      bool sorted, const int64_t *want_idx) {
    int64_t s[1] = {8};
    mini m;
    mini_init(&m, "torch.ops.aten.topk.default");
    arg_tensor(&m, "self", dt, 1, s, data);
    arg_int(&m, "k", k);
    arg_bool(&m, "largest", largest);
    arg_bool(&m, "sorted", sorted);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    const int64_t *got = out_t(&m, 1)->data;
    for (int64_t j = 0; j < k; j++)
        if (got[j] != want_idx[j])
            HARNESS_FAIL("%s: index %lld is %lld, PyTorch gives %lld", what, (long long)j,
                         (long long)got[j], (long long)want_idx[j]);
    mini_free(&m);
}

TEST(topk_ties_follow_pytorch) {
    int64_t a[3] = {6, 1, 4}, b[3] = {5, 0, 7}, c[5] = {1, 6, 4, 2, 3};
    topk_case("float largest", PT2C_DTYPE_F32, tx, 3, true, true, a);
    topk_case("float smallest", PT2C_DTYPE_F32, tx, 3, false, true, b);
    topk_case("float unsorted", PT2C_DTYPE_F32, tx, 5, true, false, c);
    int64_t d[3] = {7, 4, 2}, e[4] = {6, 5, 0, 3}, f[8] = {7, 4, 2, 1, 3, 5, 6, 0};
    topk_case("int largest", PT2C_DTYPE_I64, ty, 3, true, true, d);
    topk_case("int smallest", PT2C_DTYPE_I64, ty, 4, false, true, e);
    topk_case("int all", PT2C_DTYPE_I64, ty, 8, true, true, f);
}

TEST(sort_ties_follow_pytorch) {
    int64_t s[1] = {8};
    mini m;
    mini_init(&m, "torch.ops.aten.sort.default");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, ty);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    int64_t v[8] = {1, 1, 1, 2, 3, 3, 3, 5}, i[8] = {0, 5, 6, 3, 1, 2, 4, 7};
    expect_i64(out_t(&m, 0), 8, v);
    expect_i64(out_t(&m, 1), 8, i);
    mini_free(&m);
    mini_init(&m, "torch.ops.aten.sort.stable");
    arg_tensor(&m, "self", PT2C_DTYPE_I64, 1, s, ty);
    arg_bool(&m, "stable", true);
    arg_bool(&m, "descending", true);
    EXPECT_EQ(mini_run(&m, 2), PT2C_OK);
    int64_t dv[8] = {5, 3, 3, 3, 2, 1, 1, 1}, di[8] = {7, 1, 2, 4, 3, 0, 5, 6};
    expect_i64(out_t(&m, 0), 8, dv);
    expect_i64(out_t(&m, 1), 8, di);
    mini_free(&m);
}

/* ---------------------------------------------------------------------------------------- */
/* Matrix products                                                                          */

static float frand(unsigned *state) {
    *state = *state * 1103515245u + 12345u;
    return (float)((*state >> 8) & 0xffff) / 65536.0f - 0.5f;
}

/* The canonical float32 product: each element one fmaf chain over k in order, then the
 * epilogue steps of cpu.h. Every kernel table must give exactly these bits. */
static void gemm_reference(int64_t M, int64_t N, int64_t K, const float *a, const float *b,
                           const pt2c_epilogue *ep, float *c) {
    for (int64_t m = 0; m < M; m++)
        for (int64_t n = 0; n < N; n++) {
            float acc = 0.0f;
            for (int64_t k = 0; k < K; k++)
                acc = fmaf(a[m * K + k], b[k * N + n], acc);
            if (ep->alpha != 1.0f)
                acc = acc * ep->alpha;
            if (ep->bias) {
                float bv = ep->bias[m * ep->bias_rs + n * ep->bias_cs];
                acc = acc + (ep->beta != 1.0f ? ep->beta * bv : bv);
            }
            if (ep->residual)
                acc = acc + ep->residual[m * ep->res_ld + n];
            c[m * N + n] = acc;
        }
}

/* The tables this build has and this CPU runs. */
static int usable_tables(const pt2c_cpu **out) {
    int n = 0;
    const pt2c_isa isas[] = {PT2C_ISA_GENERIC, PT2C_ISA_AVX2, PT2C_ISA_AVX512};
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++)
        if (pt2c_cpu_table(isas[i]) && pt2c_cpu_supports(isas[i]))
            out[n++] = pt2c_cpu_table(isas[i]);
    return n;
}

/* A custom packer (as convolution's im2col) reading B[K, N] row-major. */
static void pack_b_rows(const void *ctx, int64_t k0, int64_t kc, int64_t x0, int64_t n,
                        int64_t tile, float *dst) {
    const float *b = ((const float *const *)ctx)[0];
    int64_t N = (int64_t)(intptr_t)((const float *const *)ctx)[1];
    for (int64_t k = 0; k < kc; k++)
        for (int64_t j = 0; j < tile; j++)
            dst[k * tile + j] = j < n ? b[(k0 + k) * N + x0 + j] : 0.0f;
}

static void run_split(const pt2c_gemm *g, const pt2c_cpu *cpu, int nth, void *scratch) {
    pt2c_gemm_blocking bl = pt2c_gemm_block(cpu, g, nth);
    for (int ith = 0; ith < nth; ith++) {
        int64_t begin, end;
        pt2c_split_range(bl.n_units, ith, nth, &begin, &end);
        pt2c_gemm_run(g, cpu, &bl, begin, end, scratch);
    }
}

TEST(gemm_is_the_fma_chain_on_every_table_form_and_split) {
    /* Sizes around tiles (4x4, 6x16, 8x32), blocks (kc 256, mc, nc 512) and tails. */
    const int64_t shapes[][3] = {{1, 1, 1},     {5, 9, 3},     {33, 65, 257}, {4, 8, 256},
                                 {7, 70, 600},  {1, 70, 300},  {2, 9, 5},     {3, 17, 40},
                                 {13, 600, 70}, {80, 33, 513}, {6, 16, 0}};
    const pt2c_cpu *tables[3];
    int n_tables = usable_tables(tables);
    EXPECT_TRUE(n_tables >= 1);
    unsigned st = 7;
    for (size_t c = 0; c < sizeof shapes / sizeof shapes[0]; c++) {
        int64_t M = shapes[c][0], N = shapes[c][1], K = shapes[c][2];
        size_t mk = (size_t)(M * K), kn = (size_t)(K * N), mn = (size_t)(M * N);
        float *a = malloc(sizeof(float) * (mk + 1)), *at = malloc(sizeof(float) * (mk + 1));
        float *b = malloc(sizeof(float) * (kn + 1)), *bt = malloc(sizeof(float) * (kn + 1));
        float *bias = malloc(sizeof(float) * (size_t)(M + N)), *res = malloc(sizeof(float) * mn);
        float *want = malloc(sizeof(float) * mn), *got = malloc(sizeof(float) * mn);
        for (int64_t m = 0; m < M; m++)
            for (int64_t k = 0; k < K; k++)
                at[k * M + m] = a[m * K + k] = frand(&st);
        for (int64_t k = 0; k < K; k++)
            for (int64_t n = 0; n < N; n++)
                bt[n * K + k] = b[k * N + n] = frand(&st);
        for (int64_t i = 0; i < M + N; i++)
            bias[i] = frand(&st);
        for (size_t i = 0; i < mn; i++)
            res[i] = frand(&st);
        /* Two epilogues: addmm-like (alpha, beta, column bias) and conv-like (row bias,
         * residual). */
        pt2c_epilogue eps[2] = {pt2c_epilogue_none(), pt2c_epilogue_none()};
        eps[0].alpha = 2.0f, eps[0].beta = 0.5f, eps[0].bias = bias, eps[0].bias_cs = 1;
        eps[1].bias = bias, eps[1].bias_rs = 1, eps[1].residual = res, eps[1].res_ld = N;
        for (int e = 0; e < 2; e++) {
            gemm_reference(M, N, K, a, b, &eps[e], want);
            for (int t = 0; t < n_tables; t++) {
                const pt2c_cpu *cpu = tables[t];
                void *scratch = malloc(pt2c_gemm_scratch_bytes(cpu));
                float *pa = malloc(sizeof(float) * (pt2c_gemm_packed_a_floats(cpu, M, K) + 1));
                float *pb = malloc(sizeof(float) * (pt2c_gemm_packed_b_floats(cpu, K, N) + 1));
                pt2c_gemm_pack_a(cpu, a, K, false, M, K, NULL, pa);
                pt2c_gemm_pack_b(cpu, bt, K, true, K, N, pb);
                const void *ctx[2] = {b, (const void *)(intptr_t)N};
                for (int form = 0; form < 5; form++) {
                    pt2c_gemm g = pt2c_gemm_init(PT2C_DTYPE_F32, M, N, K);
                    g.ep = eps[e];
                    g.c = got;
                    g.a = pt2c_gemm_raw(a, K, false);
                    g.b = pt2c_gemm_raw(b, N, false);
                    if (form == 1) { /* A^T and B^T given */
                        g.a = pt2c_gemm_raw(at, M, true);
                        g.b = pt2c_gemm_raw(bt, K, true);
                    } else if (form == 2) {
                        g.a = pt2c_gemm_prepacked(pa);
                    } else if (form == 3) {
                        g.b = pt2c_gemm_prepacked(pb);
                    } else if (form == 4) {
                        g.b = pt2c_gemm_raw(NULL, 0, false);
                        g.b.pack = pack_b_rows;
                        g.b.pack_ctx = ctx;
                    }
                    for (int nth = 1; nth <= 3; nth += 2) {
                        memset(got, 0xAB, sizeof(float) * mn);
                        run_split(&g, cpu, nth, scratch);
                        if (memcmp(got, want, sizeof(float) * mn) != 0)
                            HARNESS_FAIL("gemm %lldx%lldx%lld %s form %d epilogue %d, %d "
                                         "threads: not the fma chain",
                                         (long long)M, (long long)N, (long long)K,
                                         pt2c_isa_name(cpu->isa), form, e, nth);
                    }
                }
                free(scratch), free(pa), free(pb);
            }
        }
        /* And close to the exact product. */
        gemm_reference(M, N, K, a, b, &eps[0], want);
        for (int64_t m = 0; m < M; m++)
            for (int64_t n = 0; n < N; n++) {
                double acc = 0.0;
                for (int64_t k = 0; k < K; k++)
                    acc += (double)a[m * K + k] * (double)b[k * N + n];
                double exact = 2.0 * acc + 0.5 * (double)bias[n];
                EXPECT_NEAR(want[m * N + n], exact, 1e-5 * (1.0 + sqrt((double)K)));
            }
        free(a), free(at), free(b), free(bt), free(bias), free(res), free(want), free(got);
    }
}

/* The transposed panel packer on every table: its definition, tails and padding included,
 * from an offset block of a wider matrix. */
TEST(pack_transposed_is_its_definition_on_every_table) {
    const int64_t cases[][4] = {/* kc, n, tile, ld */ {1, 1, 16, 3},
                                {8, 8, 8, 8},
                                {16, 16, 16, 40},
                                {19, 13, 16, 45},
                                {256, 32, 32, 300},
                                {7, 5, 6, 12},
                                {64, 9, 16, 70}};
    const pt2c_cpu *tables[3];
    int n_tables = usable_tables(tables);
    unsigned st = 11;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int64_t kc = cases[c][0], n = cases[c][1], tile = cases[c][2], ld = cases[c][3];
        int64_t k0 = ld - kc > 2 ? 2 : ld - kc, x0 = 3, rows = x0 + n + 1;
        float *b = malloc(sizeof(float) * (size_t)(rows * ld));
        float *want = malloc(sizeof(float) * (size_t)(kc * tile));
        float *got = malloc(sizeof(float) * (size_t)(kc * tile));
        for (int64_t i = 0; i < rows * ld; i++)
            b[i] = frand(&st);
        for (int64_t k = 0; k < kc; k++)
            for (int64_t j = 0; j < tile; j++)
                want[k * tile + j] = j < n ? b[(x0 + j) * ld + k0 + k] : 0.0f;
        for (int t = 0; t < n_tables; t++) {
            memset(got, 0xAB, sizeof(float) * (size_t)(kc * tile));
            tables[t]->pack_transposed(b, ld, k0, kc, x0, n, tile, got);
            if (memcmp(got, want, sizeof(float) * (size_t)(kc * tile)) != 0)
                HARNESS_FAIL("pack_transposed kc %lld n %lld tile %lld on %s: wrong panel",
                             (long long)kc, (long long)n, (long long)tile,
                             pt2c_isa_name(tables[t]->isa));
        }
        free(b), free(want), free(got);
    }
}

/* Every activation on every table: the same bits as the plain C table, and close to libm. */
TEST(activations_agree_across_tables_and_with_libm) {
    enum { N = 1000 };
    float x[N + 37];
    unsigned st = 3;
    for (int i = 0; i < N; i++)
        x[i] = 24.0f * frand(&st);
    const float specials[] = {0.0f,   -0.0f,  NAN,     INFINITY, -INFINITY, 1e-30f,  -1e-30f, 88.0f,
                              -88.0f, 100.0f, -100.0f, 0.625f,   -0.625f,   0.6249f, 1e-4f,   3.0f,
                              -3.0f,  6.0f,   9.0f,    15.0f,    -15.0f,    44.0f,   0.1f,    -0.1f,
                              1.0f,   2.0f,   5.0f,    20.0f,    -20.0f,    0.3f,    0.7f,    -0.7f,
                              1.5f,   4.0f,   -4.0f,   10.0f,    -10.0f};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++)
        x[N + i] = specials[i];
    const int64_t n = N + (int64_t)(sizeof specials / sizeof specials[0]);
    const pt2c_cpu *tables[3];
    int n_tables = usable_tables(tables);
    for (int act = 0; act < PT2C_ACT_COUNT; act++) {
        float ref[N + 37], got[N + 37];
        pt2c_cpu_generic.act((pt2c_act)act, 0.0f, 6.0f, x, ref, n);
        for (int t = 0; t < n_tables; t++) {
            /* Odd lengths and offsets exercise the masked tails. */
            for (int64_t len = n; len > n - 20; len -= 7) {
                memset(got, 0, sizeof got);
                tables[t]->act((pt2c_act)act, 0.0f, 6.0f, x, got, len);
                for (int64_t i = 0; i < len; i++) {
                    uint32_t u, v;
                    memcpy(&u, &ref[i], 4);
                    memcpy(&v, &got[i], 4);
                    if (u != v && !(isnan(ref[i]) && isnan(got[i]))) {
                        HARNESS_FAIL("%s on %s: x=%.9g gives %.9g, generic %.9g",
                                     pt2c_act_name((pt2c_act)act), pt2c_isa_name(tables[t]->isa),
                                     (double)x[i], (double)got[i], (double)ref[i]);
                        break;
                    }
                }
            }
        }
        for (int64_t i = 0; i < n; i++) {
            double v = x[i], want = v;
            switch ((pt2c_act)act) {
            case PT2C_ACT_RELU:
                want = v > 0 ? v : (v != v ? v : 0.0);
                break;
            case PT2C_ACT_HARDTANH:
                want = v != v ? v : v < 0 ? 0 : v > 6 ? 6 : v;
                break;
            case PT2C_ACT_SIGMOID:
                want = 1.0 / (1.0 + exp(-v));
                break;
            case PT2C_ACT_SILU:
                want = v / (1.0 + exp(-v));
                break;
            case PT2C_ACT_GELU:
                want = 0.5 * v * (1.0 + erf(v / sqrt(2.0)));
                break;
            case PT2C_ACT_GELU_TANH:
                want = 0.5 * v * (1.0 + tanh(0.7978845608028654 * (v + 0.044715 * v * v * v)));
                break;
            case PT2C_ACT_HARDSWISH:
                want = v * fmin(fmax(v + 3.0, 0.0), 6.0) / 6.0;
                break;
            case PT2C_ACT_TANH:
                want = tanh(v);
                break;
            default:
                break;
            }
            if (isnan(want) || isinf(want)) {
                if (!(isnan(want) ? isnan(ref[i]) : ref[i] == (float)want))
                    HARNESS_FAIL("%s(%g) = %g, expected %g", pt2c_act_name((pt2c_act)act), v,
                                 (double)ref[i], want);
                continue;
            }
            /* GELU's erf is PyTorch's A&S formula (absolute error 6e-7 in erf); both GELUs
             * compute 1 + erf or 1 + tanh, which cancels for negative x: errors of a few
             * ulp of 1, times x / 2. */
            bool gelu = (pt2c_act)act == PT2C_ACT_GELU || (pt2c_act)act == PT2C_ACT_GELU_TANH;
            double tol = 4e-7 * fabs(want) + (gelu ? 4e-7 * fabs(v) : 1e-37);
            if (!(fabs((double)ref[i] - want) <= tol))
                HARNESS_FAIL("%s(%.9g) = %.9g, expected %.9g", pt2c_act_name((pt2c_act)act), v,
                             (double)ref[i], want);
        }
    }
}

/* Row sums, norms and softmax: every table gives the plain C table's bits, for lengths
 * around the 16 lanes and the vector widths, and the results are close to double. */
TEST(row_ops_agree_across_tables_and_with_double) {
    const pt2c_cpu *tables[3];
    int n_tables = usable_tables(tables);
    enum { MAX_N = 300 };
    float x[MAX_N], w[MAX_N], b[MAX_N];
    unsigned st = 11;
    for (int i = 0; i < MAX_N; i++) {
        x[i] = 8.0f * frand(&st) + 0.5f;
        w[i] = 1.0f + frand(&st);
        b[i] = frand(&st);
    }
    const int64_t lengths[] = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 300};
    for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
        int64_t n = lengths[li];
        float ref_y[4][MAX_N], ref_s, ref_m[2], ref_r[2];
        const pt2c_cpu *g = &pt2c_cpu_generic;
        ref_s = g->sum(x, n);
        g->norm_row(x, ref_y[0], n, w, b, 1e-5f, false, &ref_m[0], &ref_r[0]);
        g->norm_row(x, ref_y[1], n, w, NULL, 1e-6f, true, &ref_m[1], &ref_r[1]);
        g->softmax_row(x, ref_y[2], n, false, false, NULL);
        g->softmax_row(x, ref_y[3], n, true, false, NULL);
        for (int t = 0; t < n_tables; t++) {
            const pt2c_cpu *c = tables[t];
            float y[4][MAX_N], m[2], r[2];
            EXPECT_TRUE(c->sum(x, n) == ref_s);
            c->norm_row(x, y[0], n, w, b, 1e-5f, false, &m[0], &r[0]);
            c->norm_row(x, y[1], n, w, NULL, 1e-6f, true, &m[1], &r[1]);
            c->softmax_row(x, y[2], n, false, false, NULL);
            c->softmax_row(x, y[3], n, true, false, NULL);
            for (int k = 0; k < 4; k++)
                if (memcmp(y[k], ref_y[k], sizeof(float) * (size_t)n) != 0)
                    HARNESS_FAIL("row op %d, n=%lld: %s differs from generic", k, (long long)n,
                                 pt2c_isa_name(c->isa));
            EXPECT_TRUE(m[0] == ref_m[0] && r[0] == ref_r[0] && r[1] == ref_r[1]);
        }
        /* Against double. */
        double xd[MAX_N], s = 0, mean, var = 0, mx = -INFINITY, se = 0;
        for (int64_t i = 0; i < n; i++) {
            xd[i] = (double)x[i];
            s += xd[i];
            mx = xd[i] > mx ? xd[i] : mx;
        }
        mean = s / (double)n;
        for (int64_t i = 0; i < n; i++)
            var += (xd[i] - mean) * (xd[i] - mean), se += exp(xd[i] - mx);
        var /= (double)n;
        EXPECT_NEAR(ref_s, s, 1e-6 * fabs(s));
        for (int64_t i = 0; i < n; i++) {
            double ln = (xd[i] - mean) / sqrt(var + 1e-5) * (double)w[i] + (double)b[i];
            EXPECT_NEAR(ref_y[0][i], ln, 2e-5 * (1.0 + fabs(ln)));
            double sm = exp(xd[i] - mx) / se;
            EXPECT_NEAR(ref_y[2][i], sm, 1e-6 * sm + 1e-12);
            EXPECT_NEAR(ref_y[3][i], log(sm), 2e-6 * (1.0 + fabs(log(sm))));
        }
    }
    /* All -inf: NaN, or zeros when safe. */
    float ninf[5] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY, -INFINITY}, y[5];
    for (int t = 0; t < n_tables; t++) {
        tables[t]->softmax_row(ninf, y, 5, false, false, NULL);
        EXPECT_TRUE(isnan(y[0]) && isnan(y[4]));
        tables[t]->softmax_row(ninf, y, 5, false, true, NULL);
        EXPECT_TRUE(y[0] == 0.0f && y[4] == 0.0f);
    }
}

TEST(matmul_broadcasts_batch_dims_and_handles_vectors) {
    /* [2, 1, 3, 4] @ [5, 4, 6] -> [2, 5, 3, 6] */
    static float a[24], b[120];
    for (int i = 0; i < 24; i++)
        a[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < 120; i++)
        b[i] = (float)(i % 5) - 2.0f;
    int64_t sa[4] = {2, 1, 3, 4}, sb[3] = {5, 4, 6};
    mini m;
    mini_init(&m, "torch.ops.aten.matmul.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 4, sa, a);
    arg_tensor(&m, "other", PT2C_DTYPE_F32, 3, sb, b);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    int64_t so[4] = {2, 5, 3, 6};
    expect_sizes(out_t(&m, 0), 4, so);
    float want[180];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 5; j++)
            for (int r = 0; r < 3; r++)
                for (int c = 0; c < 6; c++) {
                    float acc = 0.0f;
                    for (int k = 0; k < 4; k++)
                        acc += a[(i * 3 + r) * 4 + k] * b[(j * 4 + k) * 6 + c];
                    want[((i * 5 + j) * 3 + r) * 6 + c] = acc;
                }
    expect_f32(out_t(&m, 0), 180, want); /* small integers: exact */
    mini_free(&m);
    /* 1-D @ 1-D: a dot product, rank 0. */
    int64_t s4[1] = {4};
    mini_init(&m, "torch.ops.aten.matmul.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s4, a);
    arg_tensor(&m, "other", PT2C_DTYPE_F32, 1, s4, a);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float dot[1] = {9 + 4 + 1 + 0};
    expect_f32(out_t(&m, 0), 1, dot);
    EXPECT_EQ(out_t(&m, 0)->rank, 0);
    mini_free(&m);
}

TEST(addmm_with_beta_zero_ignores_nan_in_self) {
    float self[2] = {NAN, NAN}, a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1};
    int64_t s1[1] = {2}, s2[2] = {2, 2};
    mini m;
    mini_init(&m, "torch.ops.aten.addmm.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 1, s1, self);
    arg_tensor(&m, "mat1", PT2C_DTYPE_F32, 2, s2, a);
    arg_tensor(&m, "mat2", PT2C_DTYPE_F32, 2, s2, b);
    arg_int(&m, "beta", 0);
    arg_float(&m, "alpha", 0.5);
    EXPECT_EQ(mini_run(&m, 1), PT2C_OK);
    float want[4] = {0.5f, 1.0f, 1.5f, 2.0f};
    expect_f32(out_t(&m, 0), 4, want);
    mini_free(&m);
}

TEST(mm_rejects_mismatched_inner_dims) {
    float a[6] = {0}, b[6] = {0};
    int64_t sa[2] = {2, 3}, sb[2] = {2, 3};
    mini m;
    mini_init(&m, "torch.ops.aten.mm.default");
    arg_tensor(&m, "self", PT2C_DTYPE_F32, 2, sa, a);
    arg_tensor(&m, "mat2", PT2C_DTYPE_F32, 2, sb, b);
    EXPECT_EQ(mini_run(&m, 1), PT2C_ERR_SHAPE);
    EXPECT_CONTAINS(m.err.msg, "inner dims differ: 3 (self) and 2 (other)");
    mini_free(&m);
}

TEST_MAIN()
