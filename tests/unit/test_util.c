/* test_util.c - arena, strbuf, strmap, error formatting, Python float repr, atomic writes. */
#include "harness.h"
#include "util/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

TEST(arena_alignment_and_zeroing) {
    pt2c_arena a;
    pt2c_arena_init(&a, NULL);
    for (int i = 0; i < 1000; i++) {
        uint8_t *p = pt2c_arena_alloc(&a, (size_t)(i % 97) + 1, 64);
        EXPECT_TRUE(p != NULL);
        EXPECT_EQ((uintptr_t)p % 64, 0);
        EXPECT_EQ(p[0], 0);
    }
    uint8_t *big = pt2c_arena_alloc(&a, 1 << 20, 64);
    EXPECT_TRUE(big != NULL);
    EXPECT_EQ(big[(1 << 20) - 1], 0);
    EXPECT_TRUE(pt2c_arena_array(&a, SIZE_MAX / 2, 4, 4) == NULL); /* overflow */
    char *s = pt2c_arena_sprintf(&a, "%s_%d", "conv", 3);
    EXPECT_STREQ(s, "conv_3");
    pt2c_arena_deinit(&a);
}

TEST(arena_arrays_grow_keeping_their_elements) {
    pt2c_arena a;
    pt2c_arena_init(&a, NULL);
    int64_t *xs = NULL, n = 0, cap = 0;
    for (int64_t i = 0; i < 1000; i++) {
        EXPECT_TRUE(PT2C_ARENA_RESERVE(&a, xs, n, cap, 16));
        EXPECT_TRUE(n < cap);
        xs[n++] = i * 3;
    }
    EXPECT_EQ(cap, 1024); /* 16, doubled */
    for (int64_t i = 0; i < n; i++)
        EXPECT_EQ(xs[i], i * 3);
    const char **names = NULL;
    int64_t cap2 = 0;
    EXPECT_TRUE(PT2C_ARENA_RESERVE(&a, names, 0, cap2, 4));
    EXPECT_EQ(cap2, 4);
    int64_t huge = INT64_MAX / 2 + 1;
    EXPECT_TRUE(pt2c_arena_grow(&a, xs, huge, &huge, 8, 8, 1) == NULL); /* overflow */
    pt2c_arena_deinit(&a);
}

TEST(strbuf_grows_and_finishes) {
    pt2c_strbuf sb;
    pt2c_strbuf_init(&sb, NULL);
    for (int i = 0; i < 1000; i++)
        pt2c_strbuf_printf(&sb, "%d,", i);
    char *out = NULL;
    size_t len = 0;
    pt2c_error err;
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_strbuf_finish(&sb, &out, &len, &err), PT2C_OK);
    EXPECT_EQ(len, strlen(out));
    EXPECT_TRUE(strncmp(out, "0,1,2,", 6) == 0);
    free(out);
}

TEST(strmap_put_get_replace) {
    pt2c_arena a;
    pt2c_arena_init(&a, NULL);
    pt2c_strmap m;
    pt2c_strmap_init(&m, &a);
    char *keys[300];
    for (int i = 0; i < 300; i++) {
        keys[i] = pt2c_arena_sprintf(&a, "k%d", i);
        EXPECT_EQ(pt2c_strmap_put(&m, keys[i], i), PT2C_OK);
    }
    int64_t v = -1;
    EXPECT_TRUE(pt2c_strmap_get(&m, "k299", &v));
    EXPECT_EQ(v, 299);
    EXPECT_TRUE(!pt2c_strmap_get(&m, "k300", &v));
    EXPECT_EQ(pt2c_strmap_put(&m, "k5", 55), PT2C_OK);
    EXPECT_TRUE(pt2c_strmap_get(&m, "k5", &v));
    EXPECT_EQ(v, 55);
    EXPECT_EQ(m.n, 300);
    pt2c_arena_deinit(&a);
}

TEST(error_first_wins_and_formats_one_line) {
    pt2c_error err;
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_error_set(&err, PT2C_ERR_JSON, "json: bad\nthing %d", 1), PT2C_ERR_JSON);
    pt2c_error_set(&err, PT2C_ERR_IO, "io: second");
    pt2c_error_set_node(&err, 3, "conv2d", "torch.ops.aten.conv2d.default");
    pt2c_error_prefix(&err, "models/model.json");
    char line[1200];
    pt2c_error_format(&err, line, sizeof line);
    EXPECT_STREQ(line,
                 "node 3 'conv2d' (torch.ops.aten.conv2d.default): models/model.json: json: bad "
                 "thing 1");
    EXPECT_EQ(err.code, PT2C_ERR_JSON);
}

TEST(python_float_repr) {
    struct {
        double v;
        const char *s;
    } cases[] = {{1e-05, "1e-05"},
                 {0.5, "0.5"},
                 {2.0, "2.0"},
                 {0.0001, "0.0001"},
                 {1e16, "1e+16"},
                 {1e15, "1000000000000000.0"},
                 {-0.0, "-0.0"},
                 {0.1, "0.1"},
                 {1.0 / 3, "0.3333333333333333"},
                 {-1.5e-7, "-1.5e-07"},
                 {123456.789, "123456.789"},
                 {1e300, "1e+300"},
                 {3.0e-310, "3e-310"},
                 /* shortest round trip is a neighbour of the correctly rounded string */
                 {6.310887241768095e-30, "6.310887241768095e-30"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        pt2c_format_py_float(cases[i].v, buf, sizeof buf);
        EXPECT_STREQ(buf, cases[i].s);
    }
    char buf[32];
    pt2c_format_py_float(-(double)INFINITY, buf, sizeof buf);
    EXPECT_STREQ(buf, "-inf");
    pt2c_format_py_float((double)NAN, buf, sizeof buf);
    EXPECT_STREQ(buf, "nan");
}

TEST(atomic_write_replaces_whole_file) {
    char path[] = "/tmp/pt2c_test_atomic_XXXXXX";
    int fd = mkstemp(path);
    EXPECT_TRUE(fd >= 0);
    close(fd);
    const char *a = "hello ", *b = "world";
    const void *chunks[2] = {a, b};
    size_t sizes[2] = {6, 5};
    pt2c_error err;
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_file_write_atomic(path, chunks, sizes, 2, &err), PT2C_OK);
    pt2c_mapped_file f;
    EXPECT_EQ(pt2c_file_map(path, &f, &err), PT2C_OK);
    EXPECT_EQ(f.size, 11);
    EXPECT_TRUE(memcmp(f.data, "hello world", 11) == 0);
    pt2c_file_unmap(&f);
    unlink(path);
    /* A directory that does not exist: error, nothing created. */
    EXPECT_EQ(pt2c_file_write_atomic("/nonexistent_dir_pt2c/x", chunks, sizes, 2, &err),
              PT2C_ERR_IO);
}

TEST(overflow_checks) {
    uint64_t r;
    EXPECT_TRUE(!pt2c_mul_u64(UINT64_MAX / 2 + 1, 2, &r));
    EXPECT_TRUE(pt2c_mul_u64(1u << 31, 1u << 31, &r));
    EXPECT_TRUE(!pt2c_add_u64(UINT64_MAX, 1, &r));
}

TEST_MAIN()
