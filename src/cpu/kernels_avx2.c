/*
 * kernels_avx2.c - the kernels of kernels.inc on 8-float AVX registers with FMA. This file
 * alone is compiled with -mavx2 -mfma (CMakeLists.txt); nothing here runs unless
 * pt2c_cpu_supports(PT2C_ISA_AVX2).
 */
#include "cpu/cpu.h"

#if defined(PT2C_HAVE_X86_KERNELS)
#include <immintrin.h>
#include <math.h>

#define VW 8
typedef __m256 V;
typedef __m256 VM;
typedef __m256i VI;

static inline V v_zero(void) { return _mm256_setzero_ps(); }
static inline V v_set1(float x) { return _mm256_set1_ps(x); }
static inline V v_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void v_store(float *p, V v) { _mm256_storeu_ps(p, v); }
/* Lanes below n on: -1 in the first n of 8 int32s. */
static inline __m256i tail_mask(int n) {
    static const int32_t ones_then_zeros[16] = {-1, -1, -1, -1, -1, -1, -1, -1,
                                                0,  0,  0,  0,  0,  0,  0,  0};
    return _mm256_loadu_si256((const __m256i *)(const void *)(ones_then_zeros + 8 - n));
}
static inline V v_load_n(const float *p, int n) { return _mm256_maskload_ps(p, tail_mask(n)); }
static inline void v_store_n(float *p, V v, int n) { _mm256_maskstore_ps(p, tail_mask(n), v); }
static inline V v_add(V a, V b) { return _mm256_add_ps(a, b); }
static inline V v_sub(V a, V b) { return _mm256_sub_ps(a, b); }
static inline V v_mul(V a, V b) { return _mm256_mul_ps(a, b); }
static inline V v_div(V a, V b) { return _mm256_div_ps(a, b); }
static inline V v_fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
static inline V v_fnma(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
static inline V v_max(V a, V b) { return _mm256_max_ps(a, b); }
static inline V v_min(V a, V b) { return _mm256_min_ps(a, b); }
static inline VM v_gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
static inline VM v_lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
static inline VM v_isnan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
static inline V v_sel(VM m, V a, V b) { return _mm256_blendv_ps(b, a, m); }
static inline VI v_as_i(V a) { return _mm256_castps_si256(a); }
static inline V vi_as_f(VI i) { return _mm256_castsi256_ps(i); }
static inline V v_abs(V a) {
    return vi_as_f(_mm256_and_si256(v_as_i(a), _mm256_set1_epi32(0x7fffffff)));
}
static inline V v_copysign(V mag, V sign) {
    return vi_as_f(_mm256_or_si256(_mm256_and_si256(v_as_i(mag), _mm256_set1_epi32(0x7fffffff)),
                                   _mm256_and_si256(v_as_i(sign), _mm256_set1_epi32(INT32_MIN))));
}
static inline VI vi_set1(int32_t x) { return _mm256_set1_epi32(x); }
static inline VI vi_add(VI a, VI b) { return _mm256_add_epi32(a, b); }
static inline VI vi_sub(VI a, VI b) { return _mm256_sub_epi32(a, b); }
static inline VI vi_srai1(VI a) { return _mm256_srai_epi32(a, 1); }
static inline VI vi_shl23(VI a) { return _mm256_slli_epi32(a, 23); }

/* 6 x 16: 12 accumulators of the 16 ymm registers, two for B, one broadcast. Blocks for a
 * 32 KiB L1 and 512 KiB L2 (Zen 3): a 256 x 16 B panel (16 KiB) stays in L1 while the A
 * block (240 rows x 256, 240 KiB) streams from L2; 240 rows hold a transformer's tokens,
 * so each weight panel is read from memory once (BERT-base ran 15% faster than with 72). */
#define GEMM_MR    6
#define GEMM_NV    2
#define GEMM_KC    256
#define GEMM_MC    240
#define GEMM_NC    256
#define TABLE_NAME pt2c_cpu_avx2
#define TABLE_ISA  PT2C_ISA_AVX2

#include "cpu/kernels.inc"
#endif
