/* test_runtime.c - the runner's profile (pt2c_runner_profile and friends) on the bundled
 * example, examples/simple_net.pt2 (ctest runs from the source directory):
 *
 *   conv2d(x[1, 3, 32, 32], w[6, 3, 5, 5]) -> relu -> max_pool2d(2) -> * mask -> flatten
 *   -> linear(1176 -> 10) -> relu, and a second linear(1176 -> 10) -> relu
 */
#include "harness.h"
#include "pt2c.h"

#include <string.h>

static const char model[] = "examples/simple_net.pt2";

/* Open the example, make a runner with the options given, set its sample input. */
static pt2c_runner *make_runner_fused(pt2c_program **prog, int n_threads, int profile,
                                      int no_fusion) {
    pt2c_error err;
    *prog = NULL;
    pt2c_runner *r = NULL;
    if (pt2c_program_open(model, NULL, prog, &err) != PT2C_OK) {
        HARNESS_FAIL("open %s: %s", model, err.msg);
        return NULL;
    }
    pt2c_run_options opts = {.n_threads = n_threads, .profile = profile, .no_fusion = no_fusion};
    pt2c_tensor_info x;
    if (pt2c_runner_create(*prog, &opts, &r, &err) != PT2C_OK ||
        pt2c_program_tensor(*prog, PT2C_TENSORS_SAMPLE_INPUTS, 0, &x, &err) != PT2C_OK ||
        pt2c_runner_set_input(r, 0, &x, &err) != PT2C_OK) {
        HARNESS_FAIL("runner: %s", err.msg);
        pt2c_runner_destroy(r);
        return NULL;
    }
    return r;
}

static pt2c_runner *make_runner(pt2c_program **prog, int n_threads, int profile) {
    return make_runner_fused(prog, n_threads, profile, 0);
}

static void run_n(pt2c_runner *r, int n) {
    pt2c_error err;
    for (int k = 0; k < n; k++)
        if (pt2c_runner_run(r, &err) != PT2C_OK)
            HARNESS_FAIL("run: %s", err.msg);
}

TEST(profile_is_empty_and_refused_without_opts_profile) {
    pt2c_program *prog;
    pt2c_runner *r = make_runner(&prog, 1, 0);
    if (!r)
        return;
    run_n(r, 1);
    EXPECT_EQ(pt2c_runner_n_profile(r), 0);
    pt2c_error err;
    pt2c_node_profile p;
    EXPECT_EQ(pt2c_runner_profile(r, 0, &p, &err), PT2C_ERR_ARG);
    EXPECT_TRUE(strstr(err.msg, "opts.profile") != NULL);
    pt2c_runner_profile_reset(r); /* a no-op, not a crash */
    pt2c_runner_destroy(r);
    pt2c_program_close(prog);
}

/* The op of a profile entry without the "torch.ops." of unfused targets. */
static const char *short_op(const char *op) {
    return strncmp(op, "torch.ops.", 10) == 0 ? op + 10 : op;
}

/* Unfused: one entry per node, the view (flatten) included. Fused (the default): conv+relu
 * and each linear+relu are one step each, named after the producer, so 6 entries. */
static void check_profile(int n_threads, int no_fusion) {
    pt2c_program *prog;
    pt2c_runner *r = make_runner_fused(&prog, n_threads, 1, no_fusion);
    if (!r)
        return;
    run_n(r, 3);
    size_t n = pt2c_runner_n_profile(r);
    EXPECT_EQ(n, no_fusion ? 9 : 6);
    pt2c_error err;
    pt2c_node_profile p;
    double conv_flop = 0, linear_flop = 0, seconds = 0;
    int n_flatten = 0, n_fused = 0;
    for (size_t i = 0; i < n; i++) {
        EXPECT_EQ(pt2c_runner_profile(r, i, &p, &err), PT2C_OK);
        EXPECT_EQ(p.runs, 3);
        EXPECT_TRUE(p.seconds >= 0.0);
        EXPECT_TRUE(p.node && p.node[0]);
        const char *op = short_op(p.op);
        EXPECT_TRUE(strncmp(op, "aten.", 5) == 0);
        n_fused += strchr(op, '+') != NULL;
        seconds += p.seconds;
        if (strncmp(op, "aten.conv2d.default", 19) == 0)
            conv_flop += p.flop;
        else if (strncmp(op, "aten.linear.default", 19) == 0)
            linear_flop += p.flop;
        else if (strcmp(op, "aten.flatten.using_ints") == 0) {
            n_flatten++;
            EXPECT_TRUE(p.flop == 0.0); /* a view: no kernel, an entry all the same */
        }
    }
    EXPECT_EQ(n_fused, no_fusion ? 0 : 3);
    EXPECT_TRUE(seconds > 0.0);
    EXPECT_EQ(n_flatten, 1);
    /* 6 x 28 x 28 outputs of 3 x 5 x 5 multiply-adds; two linears of 10 x 1176. */
    EXPECT_NEAR(conv_flop, 2.0 * 6 * 28 * 28 * 3 * 5 * 5, 0.0);
    EXPECT_NEAR(linear_flop, 2 * 2.0 * 10 * 1176, 0.0);
    EXPECT_EQ(pt2c_runner_profile(r, n, &p, &err), PT2C_ERR_ARG);

    pt2c_runner_profile_reset(r);
    EXPECT_EQ(pt2c_runner_profile(r, 0, &p, &err), PT2C_OK);
    EXPECT_EQ(p.runs, 0);
    EXPECT_TRUE(p.seconds == 0.0);
    run_n(r, 2);
    EXPECT_EQ(pt2c_runner_profile(r, n - 1, &p, &err), PT2C_OK);
    EXPECT_EQ(p.runs, 2);
    pt2c_runner_destroy(r);
    pt2c_program_close(prog);
}

TEST(profile_counts_every_step_and_flops_one_thread) { check_profile(1, 1); }
TEST(profile_counts_every_step_and_flops_two_threads) { check_profile(2, 1); }
TEST(profile_names_fused_steps) { check_profile(2, 0); }

TEST(profiling_leaves_outputs_bit_identical) {
    pt2c_program *p0, *p1;
    pt2c_runner *plain = make_runner(&p0, 2, 0), *profiled = make_runner(&p1, 2, 1);
    if (plain && profiled) {
        run_n(plain, 1);
        run_n(profiled, 1);
        for (size_t i = 0; i < pt2c_runner_n_outputs(plain); i++) {
            pt2c_error err;
            pt2c_tensor_info a, b;
            EXPECT_EQ(pt2c_runner_output(plain, i, &a, &err), PT2C_OK);
            EXPECT_EQ(pt2c_runner_output(profiled, i, &b, &err), PT2C_OK);
            EXPECT_EQ(a.storage_bytes, b.storage_bytes);
            EXPECT_TRUE(memcmp(a.storage, b.storage, (size_t)a.storage_bytes) == 0);
        }
    }
    pt2c_runner_destroy(plain);
    pt2c_runner_destroy(profiled);
    pt2c_program_close(p0);
    pt2c_program_close(p1);
}

TEST_MAIN()
