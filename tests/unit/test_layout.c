/* test_layout.c - composing strided layouts of views (ops/layout.h) against strides and
 * offsets computed by hand (and checked against PyTorch's x.stride() / storage_offset()),
 * and the dense test that decides between aliasing and copying. */
#include "harness.h"
#include "ops/layout.h"

#include <string.h>

static void expect_layout(const pt2c_layout *l, int32_t rank, const int64_t *sizes,
                          const int64_t *strides, int64_t offset) {
    EXPECT_EQ(l->rank, rank);
    for (int32_t d = 0; d < rank && d < l->rank; d++) {
        EXPECT_EQ(l->sizes[d], sizes[d]);
        EXPECT_EQ(l->strides[d], strides[d]);
    }
    EXPECT_EQ(l->offset, offset);
}

TEST(dense_layout_is_row_major_and_dense) {
    pt2c_layout l;
    pt2c_layout_dense(&l, 3, (int64_t[]){4, 6, 8});
    expect_layout(&l, 3, (int64_t[]){4, 6, 8}, (int64_t[]){48, 8, 1}, 0);
    EXPECT_TRUE(pt2c_layout_is_dense(&l));
    pt2c_layout_dense(&l, 0, NULL);
    EXPECT_TRUE(pt2c_layout_is_dense(&l));
}

/* x = torch.empty(4, 6, 8); y = x.permute(2, 0, 1)[:, 1:3].expand(3, 8, 2, 6):
 * y.stride() == (0, 1, 48, 8), y.storage_offset() == 48. */
TEST(permute_then_slice_then_expand) {
    pt2c_layout x, p, s, e;
    pt2c_layout_dense(&x, 3, (int64_t[]){4, 6, 8});
    pt2c_layout_permute(&x, (int32_t[]){2, 0, 1}, &p);
    expect_layout(&p, 3, (int64_t[]){8, 4, 6}, (int64_t[]){1, 48, 8}, 0);
    EXPECT_TRUE(!pt2c_layout_is_dense(&p));
    pt2c_layout_slice(&p, 1, 1, 2, 1, &s);
    expect_layout(&s, 3, (int64_t[]){8, 2, 6}, (int64_t[]){1, 48, 8}, 48);
    pt2c_layout_expand(&s, 4, (int64_t[]){3, 8, 2, 6}, &e);
    expect_layout(&e, 4, (int64_t[]){3, 8, 2, 6}, (int64_t[]){0, 1, 48, 8}, 48);
    EXPECT_TRUE(!pt2c_layout_is_dense(&e));
}

/* x = torch.empty(5, 4, 3); x[2] is dense at offset 24; x[:, 1] is not; x[2:4] is dense at
 * 24; x[2:4, :, 1:2] is not; x[:, :, ::2] is not. */
TEST(outer_select_and_slice_stay_dense) {
    pt2c_layout x, a, b;
    pt2c_layout_dense(&x, 3, (int64_t[]){5, 4, 3});
    pt2c_layout_select(&x, 0, 2, &a);
    expect_layout(&a, 2, (int64_t[]){4, 3}, (int64_t[]){3, 1}, 24);
    EXPECT_TRUE(pt2c_layout_is_dense(&a));
    pt2c_layout_select(&x, 1, 1, &a);
    expect_layout(&a, 2, (int64_t[]){5, 3}, (int64_t[]){12, 1}, 3);
    EXPECT_TRUE(!pt2c_layout_is_dense(&a));
    pt2c_layout_slice(&x, 0, 2, 2, 1, &a);
    expect_layout(&a, 3, (int64_t[]){2, 4, 3}, (int64_t[]){12, 3, 1}, 24);
    EXPECT_TRUE(pt2c_layout_is_dense(&a));
    pt2c_layout_slice(&a, 2, 1, 1, 1, &b);
    expect_layout(&b, 3, (int64_t[]){2, 4, 1}, (int64_t[]){12, 3, 1}, 25);
    EXPECT_TRUE(!pt2c_layout_is_dense(&b));
    pt2c_layout_slice(&x, 2, 0, 2, 2, &a);
    expect_layout(&a, 3, (int64_t[]){5, 4, 2}, (int64_t[]){12, 3, 2}, 0);
    EXPECT_TRUE(!pt2c_layout_is_dense(&a));
}

/* A slice along a dim whose outer dims all have size 1 is dense: x = torch.empty(1, 6, 8);
 * x[:, 2:4] has strides (48, 8, 1), offset 16, and is contiguous. */
TEST(slice_under_size_one_dims_is_dense) {
    pt2c_layout x, a;
    pt2c_layout_dense(&x, 3, (int64_t[]){1, 6, 8});
    pt2c_layout_slice(&x, 1, 2, 2, 1, &a);
    expect_layout(&a, 3, (int64_t[]){1, 2, 8}, (int64_t[]){48, 8, 1}, 16);
    EXPECT_TRUE(pt2c_layout_is_dense(&a));
}

/* x = torch.empty(2, 12, 16): x.permute(1, 0, 2)[3] == x[:, 3]: strides (16, 1), offset 48. */
TEST(select_of_a_transpose) {
    pt2c_layout x, p, s;
    pt2c_layout_dense(&x, 3, (int64_t[]){2, 12, 16});
    pt2c_layout_permute(&x, (int32_t[]){1, 0, 2}, &p);
    pt2c_layout_select(&p, 0, 3, &s);
    expect_layout(&s, 2, (int64_t[]){2, 16}, (int64_t[]){192, 1}, 48);
    EXPECT_TRUE(!pt2c_layout_is_dense(&s));
}

/* torch.empty(2, 8).split([3, 5], 1) pieces: strides (8, 1), offsets 0 and 3 (not dense);
 * torch.empty(6, 4).unbind(0)[5]: dense at 20. */
TEST(split_and_unbind_pieces) {
    pt2c_layout x, a, b;
    pt2c_layout_dense(&x, 2, (int64_t[]){2, 8});
    pt2c_layout_slice(&x, 1, 3, 5, 1, &a);
    expect_layout(&a, 2, (int64_t[]){2, 5}, (int64_t[]){8, 1}, 3);
    EXPECT_TRUE(!pt2c_layout_is_dense(&a));
    pt2c_layout_dense(&x, 2, (int64_t[]){6, 4});
    pt2c_layout_select(&x, 0, 5, &b);
    expect_layout(&b, 1, (int64_t[]){4}, (int64_t[]){1}, 20);
    EXPECT_TRUE(pt2c_layout_is_dense(&b));
}

/* torch.empty(3, 4).diagonal(1): size 3, stride 5, offset 1; torch.empty(10).unfold(0, 4,
 * 2): sizes (4, 4), strides (2, 1). */
TEST(diagonal_and_unfold) {
    pt2c_layout x, a;
    pt2c_layout_dense(&x, 2, (int64_t[]){3, 4});
    pt2c_layout_diagonal(&x, 0, 1, 1, 3, &a);
    expect_layout(&a, 1, (int64_t[]){3}, (int64_t[]){5}, 1);
    pt2c_layout_diagonal(&x, 0, 1, -1, 2, &a);
    expect_layout(&a, 1, (int64_t[]){2}, (int64_t[]){5}, 4);
    pt2c_layout_dense(&x, 1, (int64_t[]){10});
    pt2c_layout_unfold(&x, 0, 4, 2, &a);
    expect_layout(&a, 2, (int64_t[]){4, 4}, (int64_t[]){2, 1}, 0);
}

/* Reshapes keep views where PyTorch's .view() succeeds and refuse where it raises. */
TEST(reshape_of_views) {
    pt2c_layout x, p, r;
    /* x = torch.empty(4, 6, 8)[1:3]: .view(12, 8) -> strides (8, 1), offset 48. */
    pt2c_layout_dense(&x, 3, (int64_t[]){4, 6, 8});
    pt2c_layout_slice(&x, 0, 1, 2, 1, &p);
    EXPECT_TRUE(pt2c_layout_reshape(&p, 2, (int64_t[]){12, 8}, &r));
    expect_layout(&r, 2, (int64_t[]){12, 8}, (int64_t[]){8, 1}, 48);
    /* x.permute(2, 0, 1).unsqueeze(0) -> strides (8, 1, 48, 8) (a size-1 dim's stride does
     * not matter; computeStride gives it 8). */
    pt2c_layout_permute(&x, (int32_t[]){2, 0, 1}, &p);
    EXPECT_TRUE(pt2c_layout_reshape(&p, 4, (int64_t[]){1, 8, 4, 6}, &r));
    EXPECT_EQ(r.strides[1], 1);
    EXPECT_EQ(r.strides[2], 48);
    EXPECT_EQ(r.strides[3], 8);
    /* Merging the last two permuted dims (4, 6) -> 24: strides 48 and 8 are one chunk of
     * 8 * 6 = 48: .view(8, 24) works, strides (1, 8). */
    EXPECT_TRUE(pt2c_layout_reshape(&p, 2, (int64_t[]){8, 24}, &r));
    expect_layout(&r, 2, (int64_t[]){8, 24}, (int64_t[]){1, 8}, 0);
    /* Merging the permuted 8 with 4 cannot be a view. */
    EXPECT_TRUE(!pt2c_layout_reshape(&p, 2, (int64_t[]){32, 6}, &r));
    /* Splitting a dim of a transposed matrix works: t of (6, 8) is (8, 6) strides (1, 8);
     * view(2, 4, 6) -> strides (4, 1, 8). */
    pt2c_layout_dense(&x, 2, (int64_t[]){6, 8});
    pt2c_layout_permute(&x, (int32_t[]){1, 0}, &p);
    EXPECT_TRUE(pt2c_layout_reshape(&p, 3, (int64_t[]){2, 4, 6}, &r));
    expect_layout(&r, 3, (int64_t[]){2, 4, 6}, (int64_t[]){4, 1, 8}, 0);
    /* An expanded dim cannot be flattened with its neighbour. */
    pt2c_layout_dense(&x, 2, (int64_t[]){1, 5});
    pt2c_layout_expand(&x, 2, (int64_t[]){3, 5}, &p);
    EXPECT_TRUE(!pt2c_layout_reshape(&p, 1, (int64_t[]){15}, &r));
    EXPECT_TRUE(pt2c_layout_reshape(&p, 3, (int64_t[]){3, 5, 1}, &r));
    EXPECT_EQ(r.strides[0], 0);
    EXPECT_EQ(r.strides[1], 1);
}

TEST(dense_test_ignores_size_one_and_empty_dims) {
    pt2c_layout l;
    memset(&l, 0, sizeof l);
    l.rank = 3;
    l.sizes[0] = 1, l.sizes[1] = 4, l.sizes[2] = 1;
    l.strides[0] = 999, l.strides[1] = 1, l.strides[2] = 77;
    EXPECT_TRUE(pt2c_layout_is_dense(&l));
    l.sizes[0] = 2, l.strides[0] = 4;
    EXPECT_TRUE(pt2c_layout_is_dense(&l));
    l.strides[0] = 5;
    EXPECT_TRUE(!pt2c_layout_is_dense(&l));
    l.sizes[1] = 0;
    EXPECT_TRUE(pt2c_layout_is_dense(&l));
    /* An expanded dim of size > 1 is never dense. */
    pt2c_layout_dense(&l, 1, (int64_t[]){1});
    pt2c_layout e;
    pt2c_layout_expand(&l, 2, (int64_t[]){3, 1}, &e);
    EXPECT_TRUE(!pt2c_layout_is_dense(&e));
}

TEST_MAIN()
