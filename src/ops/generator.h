/*
 * generator.h - the random number generator of a runner: PyTorch's CPU generator.
 *
 * PyTorch's default CPU generator (ATen CPUGeneratorImpl) is a 32-bit Mersenne Twister
 * (mt19937, Matsumoto and Nishimura 1998) seeded like std::mt19937 with the low 32 bits of
 * the seed. A 64-bit draw is two 32-bit draws, the first in the high half. Box-Muller normals
 * made one pair at a time keep the second of the pair for the next draw; seeding drops it.
 *
 * A runner owns one (pt2c_plan.gen), seeded from pt2c_run_options.seed when it is created;
 * runs continue the sequence, as successive eager calls after torch.manual_seed(seed) do.
 * Kernels reach it through pt2c_kernel_args.gen and draw from thread 0 only, so the numbers
 * do not depend on the thread count. No global state.
 */
#ifndef PT2C_GENERATOR_H
#define PT2C_GENERATOR_H

#include <stdbool.h>
#include <stdint.h>

/* torch's default_rng_seed_val: the seed of a process that never calls torch.manual_seed */
#define PT2C_DEFAULT_SEED 67280421310721ULL

enum { PT2C_MT_N = 624 };

typedef struct pt2c_generator {
    uint64_t seed;             /* as given (only the low 32 bits seed the twister) */
    uint32_t state[PT2C_MT_N]; /* the twister's state words */
    int32_t next;              /* index of the next state word to temper; N: twist first */
    bool has_normal;           /* next_normal holds the cached second normal of a pair */
    double next_normal;        /* N(0, 1) */
} pt2c_generator;

void pt2c_generator_seed(pt2c_generator *g, uint64_t seed);
uint32_t pt2c_generator_u32(pt2c_generator *g);
/* (first draw << 32) | second draw */
uint64_t pt2c_generator_u64(pt2c_generator *g);
/* Uniform [0, 1) from 24 bits of one 32-bit draw (float32) or 53 bits of a 64-bit draw. */
float pt2c_generator_uniform_f32(pt2c_generator *g);
double pt2c_generator_uniform_f64(pt2c_generator *g);
/* N(0, 1) in double, one Box-Muller pair per two calls (ATen normal_distribution<double>). */
double pt2c_generator_normal(pt2c_generator *g);

#endif /* PT2C_GENERATOR_H */
