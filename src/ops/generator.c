/*
 * generator.c - mt19937 and the draws PyTorch's CPU kernels make from it (generator.h).
 *
 * Twister: the reference algorithm (init_genrand, then 624 words twisted at a time and
 * tempered one per draw). Transforms, as ATen's TransformationHelper / DistributionsHelper:
 *   uniform float32: (u32 & (2^24 - 1)) * 2^-24        uniform float64: (u64 & (2^53 - 1)) * 2^-53
 *   normal: u1, u2 uniform float64; r = sqrt(-2 log1p(-u2)); theta = 2 pi u1;
 *           returns r cos(theta) and keeps r sin(theta) for the next call.
 * Checked against torch.manual_seed(s); torch.rand / torch.randn (tests/oracle/test_random.py)
 * and against the C++ standard's mt19937 check value (tests/unit/test_random.c).
 */
#include "ops/generator.h"

#include <math.h>

enum { MT_M = 397 };
#define MT_MATRIX_A   0x9908b0dfU
#define MT_UPPER_MASK 0x80000000U
#define MT_LOWER_MASK 0x7fffffffU

void pt2c_generator_seed(pt2c_generator *g, uint64_t seed) {
    g->seed = seed;
    g->state[0] = (uint32_t)(seed & 0xffffffffU);
    for (uint32_t j = 1; j < PT2C_MT_N; j++) {
        uint32_t prev = g->state[j - 1];
        g->state[j] = 1812433253U * (prev ^ (prev >> 30)) + j;
    }
    g->next = PT2C_MT_N;
    g->has_normal = false;
    g->next_normal = 0.0;
}

static void twist(pt2c_generator *g) {
    uint32_t *s = g->state;
    for (int k = 0; k < PT2C_MT_N; k++) {
        uint32_t y = (s[k] & MT_UPPER_MASK) | (s[(k + 1) % PT2C_MT_N] & MT_LOWER_MASK);
        s[k] = s[(k + MT_M) % PT2C_MT_N] ^ (y >> 1) ^ ((y & 1U) ? MT_MATRIX_A : 0U);
    }
    g->next = 0;
}

uint32_t pt2c_generator_u32(pt2c_generator *g) {
    if (g->next >= PT2C_MT_N)
        twist(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= y >> 18;
    return y;
}

uint64_t pt2c_generator_u64(pt2c_generator *g) {
    uint64_t hi = pt2c_generator_u32(g);
    uint64_t lo = pt2c_generator_u32(g);
    return (hi << 32) | lo;
}

float pt2c_generator_uniform_f32(pt2c_generator *g) {
    return (float)(pt2c_generator_u32(g) & ((1U << 24) - 1)) * (1.0f / (float)(1U << 24));
}

double pt2c_generator_uniform_f64(pt2c_generator *g) {
    return (double)(pt2c_generator_u64(g) & ((1ULL << 53) - 1)) * (1.0 / (double)(1ULL << 53));
}

double pt2c_generator_normal(pt2c_generator *g) {
    if (g->has_normal) {
        g->has_normal = false;
        return g->next_normal;
    }
    double u1 = pt2c_generator_uniform_f64(g);
    double u2 = pt2c_generator_uniform_f64(g);
    double r = sqrt(-2.0 * log1p(-u2));
    double theta = 2.0 * 3.14159265358979323846 * u1;
    g->next_normal = r * sin(theta);
    g->has_normal = true;
    return r * cos(theta);
}
