/*
 * kernels_avx512.c - the kernels of kernels.inc on 16-float AVX-512 registers (AVX-512F
 * only: integer and mask forms instead of the DQ float logic). This file alone is compiled
 * with -mavx512f -mfma (CMakeLists.txt); nothing here runs unless
 * pt2c_cpu_supports(PT2C_ISA_AVX512). A test build can emulate it (PT2C_EMULATE_AVX512).
 */
#include "cpu/cpu.h"

#if defined(PT2C_HAVE_X86_KERNELS)
#if defined(PT2C_EMULATE_AVX512)
/* Test builds on CPUs without AVX-512 (CMakeLists.txt, PT2C_EMULATE_AVX512): the same
 * intrinsics from SIMDe, carried out on AVX2. */
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/x86/avx512.h>
#else
#include <immintrin.h>
#endif
#include <math.h>

#define VW 16
typedef __m512 V;
typedef __mmask16 VM;
typedef __m512i VI;

static inline V v_zero(void) { return _mm512_setzero_ps(); }
static inline V v_set1(float x) { return _mm512_set1_ps(x); }
static inline V v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, V v) { _mm512_storeu_ps(p, v); }
static inline __mmask16 tail_mask(int n) { return (__mmask16)((1u << n) - 1u); }
#if defined(PT2C_EMULATE_AVX512) /* SIMDe 0.7 has no masked loads and stores of floats */
static inline V v_load_n(const float *p, int n) {
    float t[16] = {0};
    for (int i = 0; i < n; i++)
        t[i] = p[i];
    return _mm512_loadu_ps(t);
}
static inline void v_store_n(float *p, V v, int n) {
    float t[16];
    _mm512_storeu_ps(t, v);
    for (int i = 0; i < n; i++)
        p[i] = t[i];
}
#else
static inline V v_load_n(const float *p, int n) { return _mm512_maskz_loadu_ps(tail_mask(n), p); }
static inline void v_store_n(float *p, V v, int n) { _mm512_mask_storeu_ps(p, tail_mask(n), v); }
#endif
static inline V v_add(V a, V b) { return _mm512_add_ps(a, b); }
static inline V v_sub(V a, V b) { return _mm512_sub_ps(a, b); }
static inline V v_mul(V a, V b) { return _mm512_mul_ps(a, b); }
static inline V v_div(V a, V b) { return _mm512_div_ps(a, b); }
static inline V v_fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
static inline V v_fnma(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }
static inline V v_max(V a, V b) { return _mm512_max_ps(a, b); }
static inline V v_min(V a, V b) { return _mm512_min_ps(a, b); }
static inline VM v_gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
static inline VM v_lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
static inline VM v_isnan(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
static inline V v_sel(VM m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }
static inline VI v_as_i(V a) { return _mm512_castps_si512(a); }
static inline V vi_as_f(VI i) { return _mm512_castsi512_ps(i); }
static inline V v_abs(V a) {
    return vi_as_f(_mm512_and_epi32(v_as_i(a), _mm512_set1_epi32(0x7fffffff)));
}
static inline V v_copysign(V mag, V sign) {
    return vi_as_f(_mm512_or_epi32(_mm512_and_epi32(v_as_i(mag), _mm512_set1_epi32(0x7fffffff)),
                                   _mm512_and_epi32(v_as_i(sign), _mm512_set1_epi32(INT32_MIN))));
}
static inline VI vi_set1(int32_t x) { return _mm512_set1_epi32(x); }
static inline VI vi_add(VI a, VI b) { return _mm512_add_epi32(a, b); }
static inline VI vi_sub(VI a, VI b) { return _mm512_sub_epi32(a, b); }
#if defined(PT2C_EMULATE_AVX512) /* nor a 512-bit arithmetic shift: two AVX2 halves */
static inline VI vi_srai1(VI a) {
    __m256i lo = _mm256_srai_epi32(_mm512_extracti64x4_epi64(a, 0), 1);
    __m256i hi = _mm256_srai_epi32(_mm512_extracti64x4_epi64(a, 1), 1);
    return _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
}
#else
static inline VI vi_srai1(VI a) { return _mm512_srai_epi32(a, 1); }
#endif
static inline VI vi_shl23(VI a) { return _mm512_slli_epi32(a, 23); }

/* 8 x 32: 16 accumulators of the 32 zmm registers (two FMA pipes of 4-cycle latency need
 * at least 8 in flight). */
#define GEMM_MR    8
#define GEMM_NV    2
#define GEMM_KC    256
#define GEMM_MC    256
#define GEMM_NC    512
#define TABLE_NAME pt2c_cpu_avx512
#define TABLE_ISA  PT2C_ISA_AVX512

#include "cpu/kernels.inc"
#endif
