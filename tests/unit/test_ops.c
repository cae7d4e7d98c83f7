/* test_ops.c - the op table, type promotion, and kernels on small hand-checked cases. */
#include "harness.h"
#include "ops/op_decls.h"
#include "ops/promote.h"
#include "test_cpu.h"

#include <math.h>
#include <string.h>

TEST(op_table_is_unique) {
    size_t n;
    const pt2c_op_def *ops = pt2c_op_table(&n);
    EXPECT_TRUE(n > 10);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(ops[i].target, ops[j].target) == 0)
                HARNESS_FAIL("op '%s' is registered twice", ops[i].target);
    for (size_t i = 0; i < n; i++) {
        EXPECT_TRUE(pt2c_op_find(ops[i].target) == &ops[i]);
        EXPECT_TRUE(ops[i].parse && ops[i].shape && ops[i].scratch && ops[i].kernel);
    }
    EXPECT_TRUE(pt2c_op_find("torch.ops.aten.not_an_op.default") == NULL);
}

static pt2c_dtype rt2(pt2c_dtype a, int32_t ra, bool wa, pt2c_dtype b, int32_t rb, bool wb) {
    pt2c_result_type rt;
    pt2c_result_type_init(&rt);
    pt2c_result_type_add(&rt, a, ra, wa);
    pt2c_result_type_add(&rt, b, rb, wb);
    return pt2c_result_type_get(&rt);
}

/* The table of aten-ops.md 4.2 (PyTorch's documented examples). */
TEST(type_promotion_matches_pytorch_examples) {
    EXPECT_EQ(rt2(PT2C_DTYPE_I32, 1, false, PT2C_DTYPE_I64, 0, true), PT2C_DTYPE_I32);
    EXPECT_EQ(rt2(PT2C_DTYPE_I32, 1, false, PT2C_DTYPE_F64, 0, true), PT2C_DTYPE_F32);
    EXPECT_EQ(rt2(PT2C_DTYPE_I32, 1, false, PT2C_DTYPE_I64, 0, false), PT2C_DTYPE_I32);
    EXPECT_EQ(rt2(PT2C_DTYPE_I32, 1, false, PT2C_DTYPE_F64, 0, false), PT2C_DTYPE_F64);
    EXPECT_EQ(rt2(PT2C_DTYPE_F32, 1, false, PT2C_DTYPE_F64, 0, false), PT2C_DTYPE_F32);
    EXPECT_EQ(rt2(PT2C_DTYPE_F16, 1, false, PT2C_DTYPE_F64, 0, true), PT2C_DTYPE_F16);
    EXPECT_EQ(rt2(PT2C_DTYPE_I64, 1, false, PT2C_DTYPE_F32, 1, false), PT2C_DTYPE_F32);
    EXPECT_EQ(rt2(PT2C_DTYPE_U8, 1, false, PT2C_DTYPE_I8, 1, false), PT2C_DTYPE_I16);
    EXPECT_EQ(rt2(PT2C_DTYPE_BOOL, 1, false, PT2C_DTYPE_I32, 1, false), PT2C_DTYPE_I32);
    EXPECT_EQ(rt2(PT2C_DTYPE_BOOL, 1, false, PT2C_DTYPE_I64, 0, true), PT2C_DTYPE_I64);
    EXPECT_EQ(rt2(PT2C_DTYPE_F32, 1, false, PT2C_DTYPE_BOOL, 1, false), PT2C_DTYPE_F32);
    EXPECT_EQ(rt2(PT2C_DTYPE_U8, 1, false, PT2C_DTYPE_I64, 0, true), PT2C_DTYPE_U8);
    EXPECT_EQ(pt2c_promote_types(PT2C_DTYPE_F16, PT2C_DTYPE_BF16), PT2C_DTYPE_F32);
}

static pt2c_ktensor make(pt2c_dtype dt, void *data, int32_t rank, const int64_t *sizes) {
    pt2c_ktensor t;
    memset(&t, 0, sizeof t);
    t.dtype = dt;
    t.data = data;
    t.rank = rank;
    t.numel = 1;
    for (int32_t d = 0; d < rank; d++) {
        t.sizes[d] = sizes[d];
        t.numel *= sizes[d];
    }
    return t;
}

TEST(relu_keeps_nan_and_zeroes_negatives) {
    float x[5] = {-1.0f, 0.0f, 2.5f, NAN, -0.0f}, y[5];
    int64_t s[1] = {5};
    pt2c_ktensor in = make(PT2C_DTYPE_F32, x, 1, s), out = make(PT2C_DTYPE_F32, y, 1, s);
    const pt2c_ktensor *ins[1] = {&in};
    pt2c_ktensor *outs[1] = {&out};
    pt2c_kernel_args args = {ins, 1, outs, 1, NULL, NULL, test_cpu(), NULL, NULL, NULL};
    /* Two threads' shares must cover everything. */
    pt2c_k_relu(&args, 0, 2);
    pt2c_k_relu(&args, 1, 2);
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[2], 2.5f);
    EXPECT_TRUE(isnan(y[3]));
    EXPECT_EQ(y[4], 0.0f);
}

TEST(split_range_covers_everything_once) {
    for (int nth = 1; nth <= 7; nth++) {
        int64_t covered = 0, prev_end = 0;
        for (int ith = 0; ith < nth; ith++) {
            int64_t b, e;
            pt2c_split_range(23, ith, nth, &b, &e);
            EXPECT_EQ(b, prev_end);
            covered += e - b;
            prev_end = e;
        }
        EXPECT_EQ(covered, 23);
    }
}

TEST_MAIN()
