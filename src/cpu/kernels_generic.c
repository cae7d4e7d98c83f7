/*
 * kernels_generic.c - the kernels of kernels.inc in plain C on one float at a time: any CPU,
 * and the reference the vector tables must match bit for bit (fmaf is the fused
 * multiply-add every table uses).
 */
#include "cpu/cpu.h"

#include <math.h>
#include <string.h>

#define VW 1
typedef float V;
typedef int VM;
typedef uint32_t VI;

static inline V v_zero(void) { return 0.0f; }
static inline V v_set1(float x) { return x; }
static inline V v_load(const float *p) { return *p; }
static inline void v_store(float *p, V v) { *p = v; }
static inline V v_load_n(const float *p, int n) { return n > 0 ? *p : 0.0f; }
static inline void v_store_n(float *p, V v, int n) {
    if (n > 0)
        *p = v;
}
static inline V v_add(V a, V b) { return a + b; }
static inline V v_sub(V a, V b) { return a - b; }
static inline V v_mul(V a, V b) { return a * b; }
static inline V v_div(V a, V b) { return a / b; }
static inline V v_fma(V a, V b, V c) { return fmaf(a, b, c); }
static inline V v_fnma(V a, V b, V c) { return fmaf(-a, b, c); }
static inline V v_max(V a, V b) { return a > b ? a : b; }
static inline V v_min(V a, V b) { return a < b ? a : b; }
static inline VM v_gt(V a, V b) { return a > b; }
static inline VM v_lt(V a, V b) { return a < b; }
static inline VM v_isnan(V a) { return a != a; }
static inline V v_sel(VM m, V a, V b) { return m ? a : b; }
static inline VI v_as_i(V a) {
    VI i;
    memcpy(&i, &a, sizeof i);
    return i;
}
static inline V vi_as_f(VI i) {
    V a;
    memcpy(&a, &i, sizeof a);
    return a;
}
static inline V v_abs(V a) { return vi_as_f(v_as_i(a) & 0x7fffffffu); }
static inline V v_copysign(V mag, V sign) {
    return vi_as_f((v_as_i(mag) & 0x7fffffffu) | (v_as_i(sign) & 0x80000000u));
}
static inline VI vi_set1(int32_t x) { return (VI)x; }
static inline VI vi_add(VI a, VI b) { return a + b; }
static inline VI vi_sub(VI a, VI b) { return a - b; }
/* Arithmetic shift right by one, written for unsigned bits. */
static inline VI vi_srai1(VI a) { return (a >> 1) | (a & 0x80000000u); }
static inline VI vi_shl23(VI a) { return a << 23; }

#define GEMM_MR    4
#define GEMM_NV    4
#define GEMM_KC    256
#define GEMM_MC    240
#define GEMM_NC    256
#define TABLE_NAME pt2c_cpu_generic
#define TABLE_ISA  PT2C_ISA_GENERIC

#include "cpu/kernels.inc"
