/* fma_peak.c: the fp32 FMA roofline of one core, measured, for bench/compare.py.
 *
 *     cc -O2 -march=native bench/fma_peak.c -o fma_peak && ./fma_peak [SECONDS] [REPEATS]
 *
 * A register-only loop of 12 independent FMA accumulators: no loads, no stores, so the only
 * limit is how many FMAs the core retires per cycle. Twelve chains hide the FMA latency
 * (4-5 cycles) on two pipes; with 8 or fewer the latency would cap the rate below the peak,
 * which is also the lesson for a GEMM micro-kernel. Each FMA counts as 2 FLOPs per lane.
 *
 * The vector width is chosen at compile time by what -march=native enables: AVX-512F
 * (16 lanes), else FMA on AVX (8 lanes), else scalar fmaf (1 lane; a floor, not a peak).
 * It runs REPEATS times for about SECONDS each and prints the best, one line per key:
 *     isa avx2+fma
 *     gflops 98.123
 */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define ISA   "avx512f"
#define LANES 16
typedef __m512 vec;
#define VSET1(x)      _mm512_set1_ps(x)
#define VFMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define VADD(a, b)    _mm512_add_ps(a, b)
#define VSUM(a)       _mm512_reduce_add_ps(a)
#elif defined(__FMA__) && defined(__AVX__)
#include <immintrin.h>
#if defined(__AVX2__)
#define ISA "avx2+fma"
#else
#define ISA "avx+fma" /* 256-bit float FMA needs FMA and AVX; AVX2 adds only integer ops */
#endif
#define LANES         8
typedef __m256 vec;
#define VSET1(x)      _mm256_set1_ps(x)
#define VFMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define VADD(a, b)    _mm256_add_ps(a, b)
static float vsum(__m256 a) {
    float t[8];
    _mm256_storeu_ps(t, a);
    return t[0] + t[1] + t[2] + t[3] + t[4] + t[5] + t[6] + t[7];
}
#define VSUM(a)       vsum(a)
#else
#define ISA           "scalar"
#define LANES         1
typedef float vec;
#define VSET1(x)      (x)
#define VFMA(a, b, c) fmaf(a, b, c)
#define VADD(a, b)    ((a) + (b))
#define VSUM(a)       (a)
#endif

#define N_ACC 12 /* independent accumulator chains */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* n_iter iterations of N_ACC FMAs: acc[i] = acc[i] * a + b, converging to b / (1 - a) ~ 1,
 * far from overflow and denormals. Returns a sum of the accumulators so the compiler must
 * compute them. */
static float fma_loop(long n_iter, float seed) {
    vec a = VSET1(0.999999f), b = VSET1(1e-6f);
    vec acc[N_ACC];
    for (int i = 0; i < N_ACC; i++)
        acc[i] = VSET1(seed + (float)i * 0.01f);
    for (long k = 0; k < n_iter; k++) {
        acc[0] = VFMA(acc[0], a, b);
        acc[1] = VFMA(acc[1], a, b);
        acc[2] = VFMA(acc[2], a, b);
        acc[3] = VFMA(acc[3], a, b);
        acc[4] = VFMA(acc[4], a, b);
        acc[5] = VFMA(acc[5], a, b);
        acc[6] = VFMA(acc[6], a, b);
        acc[7] = VFMA(acc[7], a, b);
        acc[8] = VFMA(acc[8], a, b);
        acc[9] = VFMA(acc[9], a, b);
        acc[10] = VFMA(acc[10], a, b);
        acc[11] = VFMA(acc[11], a, b);
    }
    vec s = acc[0];
    for (int i = 1; i < N_ACC; i++)
        s = VADD(s, acc[i]);
    return VSUM(s);
}

int main(int argc, char **argv) {
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    int repeats = argc > 2 ? atoi(argv[2]) : 5;
    if (seconds <= 0 || repeats < 1) {
        fprintf(stderr, "usage: fma_peak [SECONDS > 0] [REPEATS >= 1]\n");
        return 2;
    }
    /* Calibrate: double the iteration count until one call takes a tenth of the target. */
    long n_iter = 1 << 16;
    float sink = 0.0f;
    for (;;) {
        double t0 = now_s();
        sink += fma_loop(n_iter, sink * 1e-9f);
        double dt = now_s() - t0;
        if (dt > seconds / 10 || n_iter > (1L << 40))
            break;
        n_iter *= 2;
    }
    double best = 0.0;
    for (int r = 0; r < repeats; r++) {
        long calls = 0;
        double t0 = now_s(), dt;
        do {
            sink += fma_loop(n_iter, sink * 1e-9f);
            calls++;
            dt = now_s() - t0;
        } while (dt < seconds);
        double flops = 2.0 * LANES * N_ACC * (double)n_iter * (double)calls;
        if (flops / dt > best)
            best = flops / dt;
    }
    printf("isa %s\n", ISA);
    printf("gflops %.3f\n", best * 1e-9);
    printf("checksum %g\n", (double)sink); /* keeps the loop's result alive */
    return 0;
}
