/* test_ops_nn.c - the neural-network layer ops (norms, pools, convolutions, attention,
 * recurrent layers, upsampling, dropout) on small hand-checked cases, driven through their
 * real parse, shape and kernel functions: each case builds a one-node plan by hand (named
 * arguments as the .pt2 JSON gives them, omitted ones left at their schema default), then
 * runs the kernel with 1 and with 3 threads, which must agree bit for bit. */
#include "harness.h"
#include "ops/op_decls.h"
#include "runtime/runtime.h"
#include "test_cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* A one-node plan                                                                          */

enum { MAX_ARGS = 16, MAX_VALUES = 64, MAX_OUTS = 4, MAX_LIST = 16 };

typedef struct op_case {
    pt2c_plan plan;
    pt2c_arena shape_arena; /* what plan.shape_arena points at */
    pt2c_step step;
    pt2c_node node;
    pt2c_named_arg args[MAX_ARGS];
    pt2c_arg items[MAX_ARGS][MAX_LIST]; /* list arguments' elements */
    char names[MAX_VALUES][16];
    pt2c_error err;
    int n_out;
    bool ok; /* parse and shape succeeded */
} op_case;

static void oc_init(op_case *c, const char *target) {
    memset(c, 0, sizeof *c);
    pt2c_arena_init(&c->plan.arena, pt2c_default_allocator());
    pt2c_arena_init(&c->shape_arena, pt2c_default_allocator());
    c->plan.shape_arena = &c->shape_arena;
    pt2c_strmap_init(&c->plan.slot_by_name, &c->plan.arena);
    c->plan.values = PT2C_ARENA_ARRAY(&c->plan.arena, pt2c_value, MAX_VALUES);
    c->plan.cap_values = MAX_VALUES;
    c->plan.cpu = test_cpu();
    c->plan.n_threads = 3;
    c->node.target = target;
    c->node.name = "node";
    c->node.inputs = c->args;
}

static void oc_free(op_case *c) {
    pt2c_arena_deinit(&c->shape_arena);
    pt2c_arena_deinit(&c->plan.arena);
}

static pt2c_arg *oc_arg(op_case *c, const char *name, pt2c_arg_kind kind) {
    pt2c_named_arg *a = &c->args[c->node.n_inputs++];
    a->name = name;
    a->kind = PT2C_PASS_KEYWORD;
    a->arg.kind = kind;
    return &a->arg;
}

/* A tensor value slot named after its position; returns the name. */
static const char *oc_value(op_case *c, pt2c_dtype dt, void *data, int32_t rank,
                            const int64_t *sizes) {
    int32_t slot = c->plan.n_values++;
    pt2c_value *v = &c->plan.values[slot];
    memset(v, 0, sizeof *v);
    snprintf(c->names[slot], sizeof c->names[slot], "v%d", (int)slot);
    v->kind = PT2C_VALUE_TENSOR;
    v->name = c->names[slot];
    v->is_constant = true;
    v->user_input = -1;
    v->alias_of = -1;
    v->t.dtype = dt;
    v->t.data = data;
    v->t.rank = rank;
    v->t.numel = 1;
    for (int32_t d = 0; d < rank; d++) {
        v->t.sizes[d] = sizes[d];
        v->t.numel *= sizes[d];
    }
    pt2c_strmap_put(&c->plan.slot_by_name, v->name, slot);
    return v->name;
}

static void oc_tensor(op_case *c, const char *name, pt2c_dtype dt, void *data, int32_t rank,
                      const int64_t *sizes) {
    pt2c_arg *a = oc_arg(c, name, PT2C_ARG_TENSOR);
    a->name = oc_value(c, dt, data, rank, sizes);
}

static void oc_f32(op_case *c, const char *name, float *data, int32_t rank, const int64_t *sizes) {
    oc_tensor(c, name, PT2C_DTYPE_F32, data, rank, sizes);
}

/* A Tensor[] argument of n float tensors. */
static void oc_tensors(op_case *c, const char *name, int n, float *const *data,
                       const int32_t *ranks, int64_t (*sizes)[4]) {
    int k = c->node.n_inputs;
    pt2c_arg *a = oc_arg(c, name, PT2C_ARG_TENSORS);
    a->items = c->items[k];
    a->n_items = n;
    for (int i = 0; i < n; i++) {
        c->items[k][i].kind = PT2C_ARG_TENSOR;
        c->items[k][i].name = oc_value(c, PT2C_DTYPE_F32, data[i], ranks[i], sizes[i]);
    }
}

static void oc_int(op_case *c, const char *name, int64_t v) {
    oc_arg(c, name, PT2C_ARG_INT)->i = v;
}

static void oc_ints(op_case *c, const char *name, int n, const int64_t *v) {
    int k = c->node.n_inputs;
    pt2c_arg *a = oc_arg(c, name, PT2C_ARG_INTS);
    a->items = c->items[k];
    a->n_items = n;
    for (int i = 0; i < n; i++) {
        c->items[k][i].kind = PT2C_ARG_INT;
        c->items[k][i].i = v[i];
    }
}

static void oc_floats(op_case *c, const char *name, int n, const double *v) {
    int k = c->node.n_inputs;
    pt2c_arg *a = oc_arg(c, name, PT2C_ARG_FLOATS);
    a->items = c->items[k];
    a->n_items = n;
    for (int i = 0; i < n; i++) {
        c->items[k][i].kind = PT2C_ARG_FLOAT;
        c->items[k][i].f = v[i];
    }
}

static void oc_float(op_case *c, const char *name, double v) {
    oc_arg(c, name, PT2C_ARG_FLOAT)->f = v;
}

static void oc_bool(op_case *c, const char *name, bool v) { oc_arg(c, name, PT2C_ARG_BOOL)->b = v; }

static void oc_string(op_case *c, const char *name, const char *v) {
    oc_arg(c, name, PT2C_ARG_STRING)->str = v;
}

static void oc_none(op_case *c, const char *name) { oc_arg(c, name, PT2C_ARG_NONE); }

/* Bind the op, parse, add n_out outputs, shape and allocate. False (with c->err) on error. */
static bool oc_plan(op_case *c, int n_out) {
    const pt2c_op_def *op = pt2c_op_find(c->node.target);
    if (!op) {
        HARNESS_FAIL("no op registered for %s", c->node.target);
        return false;
    }
    c->step.op = op;
    c->step.node = &c->node;
    pt2c_op_ctx ctx = {.plan = &c->plan, .step = &c->step, .err = &c->err};
    if (op->parse(&ctx, &c->step.params) != PT2C_OK)
        return false;
    c->step.inputs = ctx.inputs;
    c->step.n_inputs = ctx.n_inputs;
    c->n_out = n_out;
    c->step.outputs = PT2C_ARENA_ARRAY(&c->plan.arena, int32_t, MAX_OUTS);
    for (int o = 0; o < n_out; o++) {
        int32_t slot = c->plan.n_values++;
        memset(&c->plan.values[slot], 0, sizeof c->plan.values[slot]);
        c->plan.values[slot].kind = PT2C_VALUE_TENSOR;
        c->step.outputs[o] = slot;
    }
    c->step.n_outputs = n_out;
    if (op->shape(&ctx, c->step.params) != PT2C_OK)
        return false;
    c->step.scratch_bytes = op->scratch(&ctx, c->step.params);
    for (int o = 0; o < n_out; o++) {
        pt2c_value *v = &c->plan.values[c->step.outputs[o]];
        size_t bytes = (size_t)v->t.numel * pt2c_dtype_size(v->t.dtype);
        v->t.data = pt2c_arena_alloc(c->plan.shape_arena, bytes ? bytes : 1, 64);
    }
    if (c->step.scratch_bytes)
        c->plan.scratch = pt2c_arena_alloc(c->plan.shape_arena, c->step.scratch_bytes, 64);
    c->ok = true;
    return true;
}

static pt2c_ktensor *oc_out(op_case *c, int o) { return &c->plan.values[c->step.outputs[o]].t; }

/* Run the kernel as nth threads would (each share in turn). */
static void oc_run(op_case *c, int nth) {
    const pt2c_ktensor *in[MAX_VALUES];
    pt2c_ktensor *out[MAX_OUTS];
    for (int32_t i = 0; i < c->step.n_inputs; i++)
        in[i] = &c->plan.values[c->step.inputs[i]].t;
    for (int o = 0; o < c->n_out; o++)
        out[o] = oc_out(c, o);
    if (c->step.op->flags & PT2C_OP_VIEW) {
        out[0]->data = in[0]->data;
        return;
    }
    pt2c_kernel_args args = {
        in,   c->step.n_inputs, out, c->n_out, c->step.params, c->plan.scratch, c->plan.cpu,
        NULL, &c->step.fault,   NULL};
    for (int ith = 0; ith < nth; ith++)
        c->step.op->kernel(&args, ith, nth);
}

/* Plan, run with 3 threads, keep that result, run with 1 thread: both must be identical. */
static bool oc_go(op_case *c, int n_out) {
    if (!oc_plan(c, n_out)) {
        HARNESS_FAIL("%s: %s", c->node.target, c->err.msg);
        return false;
    }
    enum { KEEP = 1 << 16 };
    static unsigned char kept[MAX_OUTS][KEEP];
    oc_run(c, 3);
    for (int o = 0; o < n_out; o++) {
        pt2c_ktensor *t = oc_out(c, o);
        size_t bytes = (size_t)t->numel * pt2c_dtype_size(t->dtype);
        if (bytes <= KEEP)
            memcpy(kept[o], t->data, bytes);
    }
    oc_run(c, 1);
    for (int o = 0; o < n_out; o++) {
        pt2c_ktensor *t = oc_out(c, o);
        size_t bytes = (size_t)t->numel * pt2c_dtype_size(t->dtype);
        if (bytes <= KEEP && memcmp(kept[o], t->data, bytes) != 0)
            HARNESS_FAIL("%s: output %d differs between 1 and 3 threads", c->node.target, o);
    }
    return true;
}

/* Expect planning to fail with a message containing text. */
static void oc_expect_error(op_case *c, int n_out, const char *text) {
    if (oc_plan(c, n_out))
        HARNESS_FAIL("%s: expected an error containing \"%s\"", c->node.target, text);
    else
        EXPECT_CONTAINS(c->err.msg, text);
}

static void expect_floats(const pt2c_ktensor *t, const float *want, int64_t n, double tol) {
    EXPECT_EQ(t->numel, n);
    const float *got = t->data;
    for (int64_t i = 0; i < n && i < t->numel; i++)
        if (!(fabs((double)got[i] - (double)want[i]) <= tol) && !(isnan(got[i]) && isnan(want[i])))
            HARNESS_FAIL("element %lld: %.9g, expected %.9g", (long long)i, (double)got[i],
                         (double)want[i]);
}

static void expect_sizes(const pt2c_ktensor *t, int32_t rank, const int64_t *sizes) {
    EXPECT_EQ(t->rank, rank);
    for (int32_t d = 0; d < rank && d < t->rank; d++)
        EXPECT_EQ(t->sizes[d], sizes[d]);
}

/* Deterministic pseudo-random floats in [-1, 1). */
static void fill(float *x, int64_t n, uint32_t seed) {
    uint32_t s = seed * 2654435761u + 1;
    for (int64_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = (float)((double)(s >> 8) / 8388608.0 - 1.0);
    }
}

#define ATEN(op) "torch.ops.aten." op

/* ---------------------------------------------------------------------------------------- */
/* Normalization                                                                            */

TEST(native_layer_norm_rows_and_stats) {
    float x[8] = {1, 2, 3, 4, 2, 2, 2, 2}, w[4] = {1, 1, 2, 2}, b[4] = {0, 0, 0, 1};
    int64_t xs[2] = {2, 4}, ws[1] = {4}, ns[1] = {4};
    op_case c;
    oc_init(&c, ATEN("native_layer_norm.default"));
    oc_f32(&c, "input", x, 2, xs);
    oc_ints(&c, "normalized_shape", 1, ns);
    oc_f32(&c, "weight", w, 1, ws);
    oc_f32(&c, "bias", b, 1, ws);
    oc_float(&c, "eps", 1e-5);
    if (oc_go(&c, 3)) {
        double r = 1.0 / sqrt(1.25 + 1e-5), r2 = 1.0 / sqrt(1e-5);
        float want[8] = {(float)(-1.5 * r),
                         (float)(-0.5 * r),
                         (float)(0.5 * r * 2),
                         (float)(1.5 * r * 2 + 1),
                         0,
                         0,
                         0,
                         1};
        expect_floats(oc_out(&c, 0), want, 8, 1e-6);
        int64_t stat[2] = {2, 1};
        expect_sizes(oc_out(&c, 1), 2, stat);
        expect_sizes(oc_out(&c, 2), 2, stat);
        float mean[2] = {2.5f, 2.0f}, rstd[2] = {(float)r, (float)r2};
        expect_floats(oc_out(&c, 1), mean, 2, 1e-6);
        expect_floats(oc_out(&c, 2), rstd, 2, 1e-3);
    }
    oc_free(&c);
}

TEST(layer_norm_defaults_and_shape_errors) {
    float x[6] = {0, 1, 2, 3, 4, 5};
    int64_t xs[2] = {2, 3}, ns[1] = {3}, bad[1] = {4};
    op_case c;
    oc_init(&c, ATEN("layer_norm.default")); /* weight, bias, eps omitted */
    oc_f32(&c, "input", x, 2, xs);
    oc_ints(&c, "normalized_shape", 1, ns);
    if (oc_go(&c, 1)) {
        float v = (float)(1.0 / sqrt(2.0 / 3.0 + 1e-5));
        float want[6] = {-v, 0, v, -v, 0, v};
        expect_floats(oc_out(&c, 0), want, 6, 1e-6);
    }
    oc_free(&c);
    oc_init(&c, ATEN("layer_norm.default"));
    oc_f32(&c, "input", x, 2, xs);
    oc_ints(&c, "normalized_shape", 1, bad);
    oc_expect_error(&c, 1, "normalized_shape[0] is 4 but input dim 1 has size 3");
    oc_free(&c);
}

TEST(rms_norm_uses_float32_eps_by_default) {
    float x[2] = {3, 4}, w[2] = {1, 2};
    int64_t xs[1] = {2}, ns[1] = {2};
    op_case c;
    oc_init(&c, ATEN("rms_norm.default"));
    oc_f32(&c, "input", x, 1, xs);
    oc_ints(&c, "normalized_shape", 1, ns);
    oc_f32(&c, "weight", w, 1, xs);
    if (oc_go(&c, 1)) {
        double r = 1.0 / sqrt(12.5 + 1.1920928955078125e-07);
        float want[2] = {(float)(3 * r), (float)(8 * r)};
        expect_floats(oc_out(&c, 0), want, 2, 1e-6);
    }
    oc_free(&c);
}

TEST(weight_norm_along_a_dim_and_whole) {
    /* v [2, 2]: along dim 1 the columns {3, 4} and {0, 5} have norms 5 and 5 */
    float v[4] = {3, 0, 4, 5}, g[2] = {10, 2}, one[1] = {5};
    int64_t vs[2] = {2, 2}, gs[2] = {1, 2}, os[1] = {1};
    op_case c;
    oc_init(&c, ATEN("_weight_norm.default"));
    oc_f32(&c, "v", v, 2, vs);
    oc_f32(&c, "g", g, 2, gs);
    oc_int(&c, "dim", 1);
    if (oc_go(&c, 1)) {
        float want[4] = {6, 0, 8, 2};
        expect_floats(oc_out(&c, 0), want, 4, 1e-6);
    }
    oc_free(&c);
    oc_init(&c, ATEN("_weight_norm.default")); /* dim -1: one norm, sqrt(50) */
    oc_f32(&c, "v", v, 2, vs);
    oc_f32(&c, "g", one, 1, os);
    oc_int(&c, "dim", -1);
    if (oc_go(&c, 1)) {
        float k = (float)(5.0 / sqrt(50.0));
        float want[4] = {3 * k, 0, 4 * k, 5 * k};
        expect_floats(oc_out(&c, 0), want, 4, 1e-6);
    }
    oc_free(&c);
    oc_init(&c, ATEN("_weight_norm.default"));
    oc_f32(&c, "v", v, 2, vs);
    oc_f32(&c, "g", g, 2, gs);
    oc_int(&c, "dim", -1);
    oc_expect_error(&c, 1, "g has 2 elements, expected 1");
    oc_free(&c);
}

TEST(native_group_norm_groups_of_channels) {
    /* N=1, C=4, HxW=2, 2 groups: {1,3,1,3} and {0,0,4,4}. */
    float x[8] = {1, 3, 1, 3, 0, 0, 4, 4}, w[4] = {1, 2, 1, 1}, b[4] = {0, 0, 1, 0};
    int64_t xs[3] = {1, 4, 2}, ws[1] = {4};
    op_case c;
    oc_init(&c, ATEN("native_group_norm.default"));
    oc_f32(&c, "input", x, 3, xs);
    oc_f32(&c, "weight", w, 1, ws);
    oc_f32(&c, "bias", b, 1, ws);
    oc_int(&c, "N", 1);
    oc_int(&c, "C", 4);
    oc_int(&c, "HxW", 2);
    oc_int(&c, "group", 2);
    oc_float(&c, "eps", 0.0);
    if (oc_go(&c, 3)) {
        float want[8] = {-1, 1, -2, 2, 0, 0, 1, 1};
        expect_floats(oc_out(&c, 0), want, 8, 1e-6);
        float mean[2] = {2, 2}, rstd[2] = {1, 0.5f};
        expect_floats(oc_out(&c, 1), mean, 2, 1e-6);
        expect_floats(oc_out(&c, 2), rstd, 2, 1e-6);
    }
    oc_free(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Pooling                                                                                  */

TEST(avg_pool2d_padding_divisors) {
    /* 1x1x3x3 of ones and a 9, kernel 2, stride 2, padding 1, ceil mode. */
    float x[9] = {1, 1, 1, 1, 1, 1, 1, 1, 9};
    int64_t xs[4] = {1, 1, 3, 3}, k[1] = {2}, s[1] = {2}, p[1] = {1};
    op_case c;
    for (int variant = 0; variant < 3; variant++) {
        oc_init(&c, ATEN("avg_pool2d.default"));
        oc_f32(&c, "self", x, 4, xs);
        oc_ints(&c, "kernel_size", 1, k);
        oc_ints(&c, "stride", 1, s);
        oc_ints(&c, "padding", 1, p);
        oc_bool(&c, "ceil_mode", true);
        if (variant == 1)
            oc_bool(&c, "count_include_pad", false);
        if (variant == 2)
            oc_int(&c, "divisor_override", 1);
        if (oc_go(&c, 1)) {
            int64_t os[4] = {1, 1, 2, 2};
            expect_sizes(oc_out(&c, 0), 4, os);
            /* Windows: {x00}, {x01 x02}, {x10 x20}, {x11 x12 x21 x22}; all 4 taps wide. */
            float incl[4] = {0.25f, 0.5f, 0.5f, 3.0f}, excl[4] = {1, 1, 1, 3};
            float sums[4] = {1, 2, 2, 12};
            expect_floats(oc_out(&c, 0), variant == 0 ? incl : variant == 1 ? excl : sums, 4, 1e-6);
        }
        oc_free(&c);
    }
}

TEST(adaptive_avg_pool_ranges) {
    /* 5 -> 3: [0,2), [1,4), [3,5). */
    float x[5] = {1, 2, 3, 4, 5};
    int64_t xs[3] = {1, 1, 5}, o[1] = {3};
    op_case c;
    oc_init(&c, ATEN("adaptive_avg_pool1d.default"));
    oc_f32(&c, "self", x, 3, xs);
    oc_ints(&c, "output_size", 1, o);
    if (oc_go(&c, 1)) {
        float want[3] = {1.5f, 3.0f, 4.5f};
        expect_floats(oc_out(&c, 0), want, 3, 1e-6);
    }
    oc_free(&c);
}

TEST(max_pool2d_indices_and_nan) {
    float x[8] = {1, 5, 2, NAN, 3, 4, 0, 0};
    int64_t xs[3] = {1, 2, 4}, k[2] = {2, 2};
    op_case c;
    oc_init(&c, ATEN("max_pool2d_with_indices.default"));
    oc_f32(&c, "self", x, 3, xs);
    oc_ints(&c, "kernel_size", 2, k);
    if (oc_go(&c, 2)) {
        float want[2] = {5, NAN};
        expect_floats(oc_out(&c, 0), want, 2, 0);
        const int64_t *idx = oc_out(&c, 1)->data;
        EXPECT_EQ(oc_out(&c, 1)->dtype, PT2C_DTYPE_I64);
        EXPECT_EQ(idx[0], 1);
        EXPECT_EQ(idx[1], 3);
    }
    oc_free(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Convolution                                                                              */

/* out = conv(x, w, b) by the definition, in double. */
static void conv_ref(const float *x, const float *w, const float *b, float *out, int64_t N,
                     int64_t C, int64_t H, int64_t W, int64_t O, int64_t KH, int64_t KW, int64_t OH,
                     int64_t OW, const int64_t *s, const int64_t *p, const int64_t *d,
                     int64_t groups) {
    int64_t Cg = C / groups, Og = O / groups;
    for (int64_t n = 0; n < N; n++)
        for (int64_t o = 0; o < O; o++)
            for (int64_t oy = 0; oy < OH; oy++)
                for (int64_t ox = 0; ox < OW; ox++) {
                    double acc = b ? (double)b[o] : 0.0;
                    int64_t g = o / Og;
                    for (int64_t c = 0; c < Cg; c++)
                        for (int64_t ky = 0; ky < KH; ky++)
                            for (int64_t kx = 0; kx < KW; kx++) {
                                int64_t iy = oy * s[0] - p[0] + ky * d[0];
                                int64_t ix = ox * s[1] - p[1] + kx * d[1];
                                if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                    continue;
                                acc += (double)x[((n * C + g * Cg + c) * H + iy) * W + ix] *
                                       (double)w[((o * Cg + c) * KH + ky) * KW + kx];
                            }
                    out[((n * O + o) * OH + oy) * OW + ox] = (float)acc;
                }
}

TEST(conv2d_small_hand_case) {
    /* 3x3 input, 2x2 kernel of ones minus one corner, bias 10. */
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 1, 1, 0}, b[1] = {10};
    int64_t xs[4] = {1, 1, 3, 3}, ws[4] = {1, 1, 2, 2}, bs[1] = {1};
    op_case c;
    oc_init(&c, ATEN("conv2d.default"));
    oc_f32(&c, "input", x, 4, xs);
    oc_f32(&c, "weight", w, 4, ws);
    oc_f32(&c, "bias", b, 1, bs);
    if (oc_go(&c, 1)) {
        float want[4] = {17, 20, 26, 29};
        expect_floats(oc_out(&c, 0), want, 4, 0);
    }
    oc_free(&c);
}

/* Every conv code path (4-channel tiles, single-channel tiles, direct 1x1, packed rows,
 * channel chunks, column segments, plane packing, the generic loops) against conv_ref. */
TEST(convolution_paths_match_the_definition) {
    struct {
        int64_t N, C, H, W, O, KH, KW, s[2], p[2], d[2], groups;
        bool bias;
    } cases[] = {
        {2, 5, 9, 10, 7, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, true},      /* quads + leftovers */
        {1, 6, 13, 17, 8, 3, 2, {2, 3}, {2, 1}, {2, 1}, 2, false},    /* strides, dilation */
        {1, 8, 11, 21, 8, 3, 3, {2, 2}, {1, 1}, {1, 1}, 8, true},     /* depthwise, plane */
        {1, 4, 9, 9, 12, 5, 5, {1, 1}, {2, 2}, {1, 1}, 4, true},      /* depth multiplier */
        {2, 16, 7, 5, 10, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1, true},     /* direct, tail */
        {1, 16, 33, 35, 6, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1, false},   /* direct segments */
        {1, 300, 5, 9, 6, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, true},     /* channel chunks */
        {1, 2, 3, 6000, 5, 3, 3, {1, 1}, {1, 1}, {1, 1}, 1, true},    /* column segments */
        {1, 2, 1, 100, 3, 1, 40, {1, 1}, {0, 3}, {1, 1}, 1, true},    /* generic (KW > 32) */
        {1, 3, 32, 32, 4, 8, 8, {8, 8}, {0, 0}, {1, 1}, 1, true},     /* patchify */
        {1, 8, 9, 9, 12, 1, 1, {2, 2}, {0, 0}, {1, 1}, 1, false},     /* 1x1 stride 2 */
        {1, 16, 14, 14, 16, 7, 7, {1, 1}, {3, 3}, {1, 1}, 16, true},  /* depthwise 7x7 */
        {1, 12, 15, 13, 12, 3, 3, {2, 2}, {1, 1}, {2, 2}, 12, false}, /* depthwise dilated */
        {1, 8, 9, 40, 8, 3, 3, {1, 1}, {1, 1}, {1, 1}, 8, true},      /* depthwise wide rows */
        {1, 40, 6, 50, 4, 1, 1, {1, 1}, {0, 0}, {1, 1}, 1, true},     /* pointwise, B in place */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t N = cases[k].N, C = cases[k].C, H = cases[k].H, W = cases[k].W;
        int64_t O = cases[k].O, KH = cases[k].KH, KW = cases[k].KW, G = cases[k].groups;
        int64_t OH = (H + 2 * cases[k].p[0] - cases[k].d[0] * (KH - 1) - 1) / cases[k].s[0] + 1;
        int64_t OW = (W + 2 * cases[k].p[1] - cases[k].d[1] * (KW - 1) - 1) / cases[k].s[1] + 1;
        float *x = malloc(sizeof(float) * (size_t)(N * C * H * W));
        float *w = malloc(sizeof(float) * (size_t)(O * (C / G) * KH * KW));
        float *b = malloc(sizeof(float) * (size_t)O);
        float *want = malloc(sizeof(float) * (size_t)(N * O * OH * OW));
        fill(x, N * C * H * W, (uint32_t)k);
        fill(w, O * (C / G) * KH * KW, (uint32_t)k + 100);
        fill(b, O, (uint32_t)k + 200);
        conv_ref(x, w, cases[k].bias ? b : NULL, want, N, C, H, W, O, KH, KW, OH, OW, cases[k].s,
                 cases[k].p, cases[k].d, G);
        int64_t xs[4] = {N, C, H, W}, ws[4] = {O, C / G, KH, KW}, bs[1] = {O};
        op_case c;
        oc_init(&c, ATEN("convolution.default"));
        oc_f32(&c, "input", x, 4, xs);
        oc_f32(&c, "weight", w, 4, ws);
        if (cases[k].bias)
            oc_f32(&c, "bias", b, 1, bs);
        else
            oc_none(&c, "bias");
        oc_ints(&c, "stride", 2, cases[k].s);
        oc_ints(&c, "padding", 2, cases[k].p);
        oc_ints(&c, "dilation", 2, cases[k].d);
        oc_bool(&c, "transposed", false);
        int64_t zero[2] = {0, 0};
        oc_ints(&c, "output_padding", 2, zero);
        oc_int(&c, "groups", G);
        if (oc_go(&c, 1)) {
            int64_t os[4] = {N, O, OH, OW};
            expect_sizes(oc_out(&c, 0), 4, os);
            /* Float accumulation vs the double reference: a few ulps of the sum's terms. */
            expect_floats(oc_out(&c, 0), want, N * O * OH * OW,
                          2e-5 * sqrt((double)(C / G * KH * KW)));
        }
        oc_free(&c);
        free(x);
        free(w);
        free(b);
        free(want);
    }
}

/* One convolution or max pooling on a given kernel table; returns a malloc'ed copy of the
 * output (NULL on failure). */
static float *run_on_table(const pt2c_cpu *cpu, bool pool, float *x, const int64_t *xs, float *w,
                           const int64_t *ws, float *b, const int64_t *s, const int64_t *pd,
                           const int64_t *d, int64_t groups, int64_t *numel) {
    op_case c;
    oc_init(&c, pool ? ATEN("max_pool2d.default") : ATEN("convolution.default"));
    c.plan.cpu = cpu;
    oc_f32(&c, pool ? "self" : "input", x, 4, xs);
    if (pool) {
        int64_t k[2] = {3, 3};
        oc_ints(&c, "kernel_size", 2, k);
        oc_ints(&c, "stride", 2, s);
        oc_ints(&c, "padding", 2, pd);
        oc_ints(&c, "dilation", 2, d);
    } else {
        int64_t bs[1] = {ws[0]}, zero[2] = {0, 0};
        oc_f32(&c, "weight", w, 4, ws);
        oc_f32(&c, "bias", b, 1, bs);
        oc_ints(&c, "stride", 2, s);
        oc_ints(&c, "padding", 2, pd);
        oc_ints(&c, "dilation", 2, d);
        oc_bool(&c, "transposed", false);
        oc_ints(&c, "output_padding", 2, zero);
        oc_int(&c, "groups", groups);
    }
    float *copy = NULL;
    if (oc_go(&c, 1)) {
        const pt2c_ktensor *t = oc_out(&c, 0);
        *numel = t->numel;
        copy = malloc(sizeof(float) * (size_t)(t->numel + 1));
        memcpy(copy, t->data, sizeof(float) * (size_t)t->numel);
    }
    oc_free(&c);
    return copy;
}

/* Every kernel table this CPU runs gives the plain C table's bits (one template, the same
 * fused multiply-adds in the same order: cpu.h): dense, depthwise (narrow, wide and 7x7
 * planes, stride 2, dilation), pointwise with few output channels (B read in place) and
 * with many, and max pooling with a NaN. */
TEST(conv_and_pool_same_bits_on_every_table) {
    struct {
        int64_t C, H, W, O, K, s, p, d, groups;
        bool pool;
    } cases[] = {
        {5, 17, 19, 13, 3, 1, 1, 1, 1, false},   {6, 23, 21, 16, 3, 2, 1, 1, 1, false},
        {8, 11, 70, 8, 3, 1, 1, 1, 8, false},    {12, 15, 13, 12, 3, 2, 1, 2, 12, false},
        {16, 14, 14, 16, 7, 1, 3, 1, 16, false}, {24, 20, 20, 16, 1, 1, 0, 1, 1, false},
        {16, 9, 9, 80, 1, 1, 0, 1, 1, false},    {6, 25, 27, 6, 3, 2, 1, 1, 1, true},
        {3, 40, 37, 3, 3, 1, 1, 1, 1, true},
    };
    const pt2c_isa isas[] = {PT2C_ISA_AVX2, PT2C_ISA_AVX512};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int64_t C = cases[k].C, H = cases[k].H, W = cases[k].W, O = cases[k].O, K = cases[k].K;
        int64_t G = cases[k].groups;
        int64_t xs[4] = {1, C, H, W}, ws[4] = {O, C / G, K, K};
        int64_t s[2] = {cases[k].s, cases[k].s}, pd[2] = {cases[k].p, cases[k].p};
        int64_t d[2] = {cases[k].d, cases[k].d};
        float *x = malloc(sizeof(float) * (size_t)(C * H * W));
        float *w = malloc(sizeof(float) * (size_t)(O * (C / G) * K * K));
        float *b = malloc(sizeof(float) * (size_t)O);
        fill(x, C * H * W, (uint32_t)k + 7);
        fill(w, O * (C / G) * K * K, (uint32_t)k + 70);
        fill(b, O, (uint32_t)k + 700);
        if (cases[k].pool)
            x[5 * W + 3] = NAN;
        int64_t n_ref = 0, n = 0;
        float *ref =
            run_on_table(&pt2c_cpu_generic, cases[k].pool, x, xs, w, ws, b, s, pd, d, G, &n_ref);
        for (size_t t = 0; ref && t < sizeof isas / sizeof isas[0]; t++) {
            if (!pt2c_cpu_table(isas[t]) || !pt2c_cpu_supports(isas[t]))
                continue;
            float *got = run_on_table(pt2c_cpu_table(isas[t]), cases[k].pool, x, xs, w, ws, b, s,
                                      pd, d, G, &n);
            if (!got || n != n_ref || memcmp(got, ref, sizeof(float) * (size_t)n) != 0)
                HARNESS_FAIL("case %zu (%s): %s differs from the plain C table", k,
                             cases[k].pool ? "max_pool2d" : "convolution", pt2c_isa_name(isas[t]));
            free(got);
        }
        free(ref);
        free(x);
        free(w);
        free(b);
    }
}

TEST(conv_transpose2d_stride_two_tiles_the_kernel) {
    /* Each input pixel scatters x * w into its own 2x2 block. */
    float x[4] = {1, 2, 3, 4}, w[4] = {1, 10, 100, 1000};
    int64_t xs[4] = {1, 1, 2, 2}, ws[4] = {1, 1, 2, 2}, s[2] = {2, 2};
    op_case c;
    oc_init(&c, ATEN("conv_transpose2d.input"));
    oc_f32(&c, "input", x, 4, xs);
    oc_f32(&c, "weight", w, 4, ws);
    oc_ints(&c, "stride", 2, s);
    if (oc_go(&c, 1)) {
        float want[16] = {1, 10, 2, 20, 100, 1000, 200, 2000, 3, 30, 4, 40, 300, 3000, 400, 4000};
        expect_floats(oc_out(&c, 0), want, 16, 0);
    }
    oc_free(&c);
}

TEST(conv_transpose_padding_output_padding_groups) {
    /* 1-D, 2 groups of 1 input channel -> 1 output channel each, k=3, s=2, p=1, op=1:
     * out[o] = sum over i, k with o = 2i - 1 + k of x[i] w[k]; L_out = (2-1)*2 - 2 + 3 + 1 = 4. */
    float x[4] = {1, 2, 3, 4}, w[6] = {1, 2, 3, 4, 5, 6};
    int64_t xs[3] = {1, 2, 2}, ws[3] = {2, 1, 3}, s[1] = {2}, p[1] = {1}, op[1] = {1};
    op_case c;
    oc_init(&c, ATEN("conv_transpose1d.default"));
    oc_f32(&c, "input", x, 3, xs);
    oc_f32(&c, "weight", w, 3, ws);
    oc_ints(&c, "stride", 1, s);
    oc_ints(&c, "padding", 1, p);
    oc_ints(&c, "output_padding", 1, op);
    oc_int(&c, "groups", 2);
    if (oc_go(&c, 1)) {
        /* group 0 (x 1,2; w 1,2,3): o0 = x0 w1, o1 = x0 w2 + x1 w0, o2 = x1 w1, o3 = x1 w2 */
        float want[8] = {2, 3 + 2, 4, 6, 3 * 5, 3 * 6 + 4 * 4, 4 * 5, 4 * 6};
        expect_floats(oc_out(&c, 0), want, 8, 0);
    }
    oc_free(&c);
}

TEST(conv_same_padding_and_errors) {
    float x[5] = {1, 2, 3, 4, 5}, w[2] = {1, 1};
    int64_t xs[3] = {1, 1, 5}, ws[3] = {1, 1, 2};
    op_case c;
    oc_init(&c, ATEN("conv1d.padding"));
    oc_f32(&c, "input", x, 3, xs);
    oc_f32(&c, "weight", w, 3, ws);
    oc_string(&c, "padding", "same");
    if (oc_go(&c, 1)) {
        /* total padding 1: none before, one after. */
        float want[5] = {3, 5, 7, 9, 5};
        expect_floats(oc_out(&c, 0), want, 5, 0);
    }
    oc_free(&c);
    int64_t w5[5] = {1, 1, 1, 1, 1};
    oc_init(&c, ATEN("conv2d.default"));
    oc_f32(&c, "input", x, 3, xs);
    oc_f32(&c, "weight", w, 5, w5);
    oc_expect_error(&c, 1, "weight has 5 dims");
    oc_free(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Attention                                                                                */

TEST(sdpa_hand_case_masks_and_causal) {
    /* L = 2, S = 2, E = 2, Ev = 1; scale 1/sqrt(2). */
    float q[4] = {1, 0, 0, 0}, k[4] = {1, 0, 0, 1}, v[2] = {1, 3};
    int64_t qs[2] = {2, 2}, vs[2] = {2, 1};
    double s0 = 1.0 / sqrt(2.0);
    double w0 = exp(s0) / (exp(s0) + 1.0);
    op_case c;
    oc_init(&c, ATEN("scaled_dot_product_attention.default"));
    oc_f32(&c, "query", q, 2, qs);
    oc_f32(&c, "key", k, 2, qs);
    oc_f32(&c, "value", v, 2, vs);
    if (oc_go(&c, 1)) {
        float want[2] = {(float)(w0 * 1 + (1 - w0) * 3), 2.0f};
        expect_floats(oc_out(&c, 0), want, 2, 1e-6);
    }
    oc_free(&c);
    /* Causal: row 0 sees key 0 only. */
    oc_init(&c, ATEN("scaled_dot_product_attention.default"));
    oc_f32(&c, "query", q, 2, qs);
    oc_f32(&c, "key", k, 2, qs);
    oc_f32(&c, "value", v, 2, vs);
    oc_bool(&c, "is_causal", true);
    if (oc_go(&c, 1)) {
        float want[2] = {1.0f, 2.0f};
        expect_floats(oc_out(&c, 0), want, 2, 1e-6);
    }
    oc_free(&c);
    /* A bool mask hiding every key of row 1 gives zeros there (safe softmax). */
    uint8_t m[4] = {1, 1, 0, 0};
    int64_t ms[2] = {2, 2};
    oc_init(&c, ATEN("scaled_dot_product_attention.default"));
    oc_f32(&c, "query", q, 2, qs);
    oc_f32(&c, "key", k, 2, qs);
    oc_f32(&c, "value", v, 2, vs);
    oc_tensor(&c, "attn_mask", PT2C_DTYPE_BOOL, m, 2, ms);
    oc_float(&c, "scale", 2.0);
    if (oc_go(&c, 1)) {
        double a = exp(2.0) / (exp(2.0) + 1.0);
        float want[2] = {(float)(a * 1 + (1 - a) * 3), 0.0f};
        expect_floats(oc_out(&c, 0), want, 2, 1e-6);
    }
    oc_free(&c);
    oc_init(&c, ATEN("scaled_dot_product_attention.default"));
    oc_f32(&c, "query", q, 2, qs);
    oc_f32(&c, "key", k, 2, qs);
    oc_f32(&c, "value", v, 2, vs);
    oc_float(&c, "dropout_p", 0.1);
    oc_expect_error(&c, 1, "dropout_p");
    oc_free(&c);
}

TEST(sdpa_flash_cpu_reports_logsumexp) {
    /* [1, 1, 2, 1] queries over 2 keys: lse = log(sum exp(q k * scale)); is_causal. */
    float q[2] = {1, 2}, k[2] = {1, -1}, v[2] = {10, 20};
    int64_t s4[4] = {1, 1, 2, 1};
    op_case c;
    oc_init(&c, ATEN("_scaled_dot_product_flash_attention_for_cpu.default"));
    oc_f32(&c, "query", q, 4, s4);
    oc_f32(&c, "key", k, 4, s4);
    oc_f32(&c, "value", v, 4, s4);
    oc_bool(&c, "is_causal", true);
    if (oc_go(&c, 2)) {
        /* Row 0 sees key 0 only; row 1 sees scores 2 and -2 (scale 1/sqrt(1) = 1). */
        double w = exp(2.0) / (exp(2.0) + exp(-2.0));
        float want[2] = {10, (float)(w * 10 + (1 - w) * 20)};
        expect_floats(oc_out(&c, 0), want, 2, 1e-5);
        int64_t ls[3] = {1, 1, 2};
        expect_sizes(oc_out(&c, 1), 3, ls);
        float lse[2] = {1, (float)log(exp(2.0) + exp(-2.0))};
        expect_floats(oc_out(&c, 1), lse, 2, 1e-6);
    }
    oc_free(&c);
}

TEST(sdpa_broadcast_and_gqa_heads) {
    /* q [1, 4 heads, 1, 1], k/v [1, 2 heads, 1, 1]: head h uses kv head h / 2. */
    float q[4] = {1, 1, 1, 1}, k[2] = {1, 1}, v[2] = {5, 7};
    int64_t qs[4] = {1, 4, 1, 1}, ks[4] = {1, 2, 1, 1};
    op_case c;
    oc_init(&c, ATEN("scaled_dot_product_attention.default"));
    oc_f32(&c, "query", q, 4, qs);
    oc_f32(&c, "key", k, 4, ks);
    oc_f32(&c, "value", v, 4, ks);
    oc_bool(&c, "enable_gqa", true);
    if (oc_go(&c, 1)) {
        float want[4] = {5, 5, 7, 7};
        expect_floats(oc_out(&c, 0), want, 4, 0);
    }
    oc_free(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Recurrent                                                                                */

TEST(lstm_one_unit_two_steps) {
    /* I = H = 1, one layer: gates i, f, g, o with w_ih = (1, 2, 3, 4), w_hh = (0.5 each),
     * b_ih = (0, 0, 0, 0), b_hh = (0.1, 0.2, 0.3, 0.4). */
    float x[2] = {0.5f, -1.0f}, h0[1] = {0.25f}, c0[1] = {-0.5f};
    float wih[4] = {1, 2, 3, 4}, whh[4] = {0.5f, 0.5f, 0.5f, 0.5f}, bih[4] = {0},
          bhh[4] = {0.1f, 0.2f, 0.3f, 0.4f};
    int64_t xs[3] = {2, 1, 1}, hs[3] = {1, 1, 1};
    op_case c;
    oc_init(&c, ATEN("lstm.input"));
    oc_f32(&c, "input", x, 3, xs);
    float *hx[2] = {h0, c0};
    int32_t hr[2] = {3, 3};
    int64_t hsz[2][4] = {{1, 1, 1}, {1, 1, 1}};
    oc_tensors(&c, "hx", 2, hx, hr, hsz);
    float *ps[4] = {wih, whh, bih, bhh};
    int32_t pr[4] = {2, 2, 1, 1};
    int64_t psz[4][4] = {{4, 1}, {4, 1}, {4}, {4}};
    oc_tensors(&c, "params", 4, ps, pr, psz);
    oc_bool(&c, "has_biases", true);
    oc_int(&c, "num_layers", 1);
    oc_float(&c, "dropout", 0.0);
    oc_bool(&c, "train", false);
    oc_bool(&c, "bidirectional", false);
    oc_bool(&c, "batch_first", false);
    if (oc_go(&c, 3)) {
        double h = 0.25, cc = -0.5, want_out[2];
        for (int t = 0; t < 2; t++) {
            double a[4];
            for (int g = 0; g < 4; g++)
                a[g] = (double)wih[g] * (double)x[t] + (double)whh[g] * h + (double)bhh[g];
            double ig = 1 / (1 + exp(-a[0])), fg = 1 / (1 + exp(-a[1])), gg = tanh(a[2]),
                   og = 1 / (1 + exp(-a[3]));
            cc = fg * cc + ig * gg;
            h = og * tanh(cc);
            want_out[t] = h;
        }
        float wo[2] = {(float)want_out[0], (float)want_out[1]}, wh[1] = {(float)h},
              wc[1] = {(float)cc};
        expect_floats(oc_out(&c, 0), wo, 2, 1e-6);
        expect_sizes(oc_out(&c, 1), 3, hs);
        expect_floats(oc_out(&c, 1), wh, 1, 1e-6);
        expect_floats(oc_out(&c, 2), wc, 1, 1e-6);
    }
    oc_free(&c);
}

TEST(gru_bidirectional_reverse_direction) {
    /* H = 1, I = 1, no biases, bidirectional, batch_first; the reverse direction sees the
     * sequence backwards and writes column 1 of each output row. */
    float x[2] = {1.0f, -2.0f}, h0[2] = {0.5f, -0.5f};
    float wih_f[3] = {0.3f, -0.2f, 0.9f}, whh_f[3] = {0.1f, 0.4f, -0.7f};
    float wih_r[3] = {-0.6f, 0.5f, 0.2f}, whh_r[3] = {0.8f, -0.1f, 0.3f};
    int64_t xs[3] = {1, 2, 1};
    op_case c;
    oc_init(&c, ATEN("gru.input"));
    oc_f32(&c, "input", x, 3, xs);
    int64_t hs[3] = {2, 1, 1};
    oc_f32(&c, "hx", h0, 3, hs);
    float *ps[4] = {wih_f, whh_f, wih_r, whh_r};
    int32_t pr[4] = {2, 2, 2, 2};
    int64_t psz[4][4] = {{3, 1}, {3, 1}, {3, 1}, {3, 1}};
    oc_tensors(&c, "params", 4, ps, pr, psz);
    oc_bool(&c, "has_biases", false);
    oc_int(&c, "num_layers", 1);
    oc_float(&c, "dropout", 0.0);
    oc_bool(&c, "train", false);
    oc_bool(&c, "bidirectional", true);
    oc_bool(&c, "batch_first", true);
    if (oc_go(&c, 2)) {
        float want[4];
        const float *wi[2] = {wih_f, wih_r}, *wh[2] = {whh_f, whh_r};
        for (int d = 0; d < 2; d++) {
            double h = (double)h0[d];
            for (int step = 0; step < 2; step++) {
                int t = d == 0 ? step : 1 - step;
                double xt = (double)x[t];
                double r = 1 / (1 + exp(-((double)wi[d][0] * xt + (double)wh[d][0] * h)));
                double z = 1 / (1 + exp(-((double)wi[d][1] * xt + (double)wh[d][1] * h)));
                double n = tanh((double)wi[d][2] * xt + r * ((double)wh[d][2] * h));
                h = (1 - z) * n + z * h;
                want[t * 2 + d] = (float)h;
            }
        }
        int64_t os[3] = {1, 2, 2};
        expect_sizes(oc_out(&c, 0), 3, os);
        expect_floats(oc_out(&c, 0), want, 4, 1e-6);
        float hn[2] = {want[2], want[1]};
        expect_floats(oc_out(&c, 1), hn, 2, 1e-6);
    }
    oc_free(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Upsampling, dropout                                                                      */

TEST(upsample_nearest_and_bilinear) {
    float x[4] = {1, 2, 3, 4};
    int64_t xs[4] = {1, 1, 2, 2};
    double f2[2] = {2.0, 2.0};
    op_case c;
    oc_init(&c, ATEN("upsample_nearest2d.vec"));
    oc_f32(&c, "input", x, 4, xs);
    oc_none(&c, "output_size");
    oc_floats(&c, "scale_factors", 2, f2);
    if (oc_go(&c, 1)) {
        float want[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
        expect_floats(oc_out(&c, 0), want, 16, 0);
    }
    oc_free(&c);
    /* align_corners: 2 -> 3 puts the middle sample halfway. */
    int64_t o3[2] = {3, 3};
    oc_init(&c, ATEN("upsample_bilinear2d.vec"));
    oc_f32(&c, "input", x, 4, xs);
    oc_ints(&c, "output_size", 2, o3);
    oc_bool(&c, "align_corners", true);
    oc_none(&c, "scale_factors");
    if (oc_go(&c, 1)) {
        float want[9] = {1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4};
        expect_floats(oc_out(&c, 0), want, 9, 1e-6);
    }
    oc_free(&c);
    /* Half-pixel centres: 2 -> 4 gives 1, 1.25, 1.75, 2 along a row. */
    int64_t o14[2] = {1, 4};
    int64_t xs2[4] = {1, 1, 1, 2};
    oc_init(&c, ATEN("upsample_bilinear2d.default"));
    oc_f32(&c, "self", x, 4, xs2);
    oc_ints(&c, "output_size", 2, o14);
    oc_bool(&c, "align_corners", false);
    if (oc_go(&c, 1)) {
        float want[4] = {1, 1.25f, 1.75f, 2};
        expect_floats(oc_out(&c, 0), want, 4, 1e-6);
    }
    oc_free(&c);
    oc_init(&c, ATEN("upsample_nearest2d.vec"));
    oc_f32(&c, "input", x, 4, xs);
    oc_ints(&c, "output_size", 2, o3);
    oc_floats(&c, "scale_factors", 2, f2);
    oc_expect_error(&c, 1, "expected exactly one");
    oc_free(&c);
}

TEST(dropout_eval_is_identity_training_is_rejected) {
    float x[3] = {1, -2, 3};
    int64_t xs[1] = {3};
    op_case c;
    oc_init(&c, ATEN("native_dropout.default"));
    oc_f32(&c, "input", x, 1, xs);
    oc_float(&c, "p", 0.5);
    oc_bool(&c, "train", false);
    if (oc_go(&c, 2)) {
        expect_floats(oc_out(&c, 0), x, 3, 0);
        const uint8_t *mask = oc_out(&c, 1)->data;
        EXPECT_EQ(oc_out(&c, 1)->dtype, PT2C_DTYPE_BOOL);
        EXPECT_TRUE(mask[0] == 1 && mask[1] == 1 && mask[2] == 1);
    }
    oc_free(&c);
    oc_init(&c, ATEN("dropout.default"));
    oc_f32(&c, "input", x, 1, xs);
    oc_float(&c, "p", 0.5);
    oc_bool(&c, "train", true);
    oc_expect_error(&c, 1, "training mode");
    oc_free(&c);
}

TEST_MAIN()
