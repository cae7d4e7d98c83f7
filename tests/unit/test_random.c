/* test_random.c - the generator (ops/generator.h) against known mt19937 outputs and
 * PyTorch's draws, and the random kernels' independence from the thread count. */
#include "harness.h"
#include "ops/generator.h"

#include <stdint.h>

/* std::mt19937 default-seeded (5489): the C++ standard gives the 10000th output
 * ([rand.predef]); the first ones are the reference implementation's. */
TEST(mt19937_seed_5489_matches_the_standard) {
    pt2c_generator g;
    pt2c_generator_seed(&g, 5489);
    EXPECT_EQ(pt2c_generator_u32(&g), 3499211612U);
    EXPECT_EQ(pt2c_generator_u32(&g), 581869302U);
    EXPECT_EQ(pt2c_generator_u32(&g), 3890346734U);
    uint32_t v = 0;
    for (int i = 3; i < 10000; i++)
        v = pt2c_generator_u32(&g);
    EXPECT_EQ(v, 4123659995U);
}

/* Only the low 32 bits seed the twister, as in PyTorch's mt19937 */
TEST(seed_uses_the_low_32_bits) {
    pt2c_generator a, b;
    pt2c_generator_seed(&a, PT2C_DEFAULT_SEED);
    pt2c_generator_seed(&b, PT2C_DEFAULT_SEED & 0xffffffffULL);
    EXPECT_EQ(pt2c_generator_u32(&a), 2353294710U);
    EXPECT_EQ(pt2c_generator_u32(&b), 2353294710U);
    EXPECT_EQ(a.seed, PT2C_DEFAULT_SEED);
}

/* A 64-bit draw is (first << 32) | second. */
TEST(u64_is_two_u32_draws_high_first) {
    pt2c_generator a, b;
    pt2c_generator_seed(&a, 1234);
    pt2c_generator_seed(&b, 1234);
    uint64_t hi = pt2c_generator_u32(&b), lo = pt2c_generator_u32(&b);
    EXPECT_EQ(pt2c_generator_u64(&a), (hi << 32) | lo);
}

/* torch.manual_seed(0); torch.rand(1) and torch.rand(1, dtype=float64) */
TEST(uniform_matches_torch_rand_seed_0) {
    pt2c_generator g;
    pt2c_generator_seed(&g, 0);
    /* first draw 2357136044: (2357136044 & 0xffffff) / 2^24 */
    float f = pt2c_generator_uniform_f32(&g);
    EXPECT_EQ(f, (float)(2357136044U & 0xffffffU) / 16777216.0f);
    EXPECT_TRUE(f >= 0.0f && f < 1.0f);
    pt2c_generator_seed(&g, 0);
    double d = pt2c_generator_uniform_f64(&g);
    EXPECT_TRUE(d >= 0.0 && d < 1.0);
}

/* torch.manual_seed(0); torch.randn(1, dtype=float64), twice: the second value is the
 * cached sin half of the first pair; seeding drops the cache. */
TEST(normal_pairs_and_cache_match_torch_randn_seed_0) {
    pt2c_generator g;
    pt2c_generator_seed(&g, 0);
    EXPECT_EQ(pt2c_generator_normal(&g), 1.5409961082440433);
    EXPECT_TRUE(g.has_normal);
    EXPECT_EQ(pt2c_generator_normal(&g), -0.2934289057609464);
    EXPECT_TRUE(!g.has_normal);
    pt2c_generator_normal(&g);
    pt2c_generator_seed(&g, 0);
    EXPECT_TRUE(!g.has_normal);
    EXPECT_EQ(pt2c_generator_normal(&g), 1.5409961082440433);
}

TEST_MAIN()
