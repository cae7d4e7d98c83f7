/* cpu.c - which kernel table a plan runs: the CPU's features, the PT2C_ISA override. */
#include "cpu/cpu.h"

#include "util/util.h"

#include <stdlib.h>
#include <string.h>

const char *pt2c_act_name(pt2c_act act) {
    static const char *const names[] = {
#define PT2C_ACT_TEXT(name, text) text,
        PT2C_FORALL_ACTS(PT2C_ACT_TEXT)
#undef PT2C_ACT_TEXT
    };
    return (unsigned)act < PT2C_ACT_COUNT ? names[act] : "?";
}

const char *pt2c_isa_name(pt2c_isa isa) {
    switch (isa) {
    case PT2C_ISA_AUTO:
        return "auto";
    case PT2C_ISA_GENERIC:
        return "generic";
    case PT2C_ISA_AVX2:
        return "avx2";
    case PT2C_ISA_AVX512:
        return "avx512";
    }
    return "?";
}

const pt2c_cpu *pt2c_cpu_table(pt2c_isa isa) {
    switch (isa) {
    case PT2C_ISA_GENERIC:
        return &pt2c_cpu_generic;
#if defined(PT2C_HAVE_X86_KERNELS)
    case PT2C_ISA_AVX2:
        return &pt2c_cpu_avx2;
    case PT2C_ISA_AVX512:
        return &pt2c_cpu_avx512;
#endif
    default:
        return NULL;
    }
}

bool pt2c_cpu_supports(pt2c_isa isa) {
    switch (isa) {
    case PT2C_ISA_GENERIC:
        return true;
#if defined(PT2C_HAVE_X86_KERNELS)
    /* libgcc's and compiler-rt's feature checks include the OS saving the vector state
     * (XGETBV), not only the CPUID bits. */
    case PT2C_ISA_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case PT2C_ISA_AVX512:
#if defined(PT2C_EMULATE_AVX512) /* SIMDe on AVX2 (kernels_avx512.c) */
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#endif
#endif
    default:
        return false;
    }
}

pt2c_isa pt2c_cpu_best(void) {
#if defined(PT2C_EMULATE_AVX512) /* emulated: only when PT2C_ISA asks for it */
    if (pt2c_cpu_supports(PT2C_ISA_AVX2))
        return PT2C_ISA_AVX2;
#endif
    if (pt2c_cpu_supports(PT2C_ISA_AVX512))
        return PT2C_ISA_AVX512;
    if (pt2c_cpu_supports(PT2C_ISA_AVX2))
        return PT2C_ISA_AVX2;
    return PT2C_ISA_GENERIC;
}

pt2c_status pt2c_cpu_resolve(pt2c_isa requested, const pt2c_cpu **out, pt2c_error *err) {
    *out = NULL;
    pt2c_isa isa = requested;
    const char *source = "the run options";
    if (isa == PT2C_ISA_AUTO) {
        const char *env = getenv("PT2C_ISA");
        isa = pt2c_cpu_best();
        if (env && *env && strcmp(env, "auto") != 0) {
            source = "PT2C_ISA";
            if (strcmp(env, "generic") == 0)
                isa = PT2C_ISA_GENERIC;
            else if (strcmp(env, "avx2") == 0)
                isa = PT2C_ISA_AVX2;
            else if (strcmp(env, "avx512") == 0)
                isa = PT2C_ISA_AVX512;
            else
                return pt2c_error_set(err, PT2C_ERR_ARG,
                                      "run: PT2C_ISA is '%.40s'; expected generic, avx2, avx512 "
                                      "or auto",
                                      env);
        }
    }
    const pt2c_cpu *cpu = pt2c_cpu_table(isa);
    PT2C_CHECK(cpu, err, PT2C_ERR_UNSUPPORTED,
               "run: %s asks for %s kernels, which this build has not", source, pt2c_isa_name(isa));
    PT2C_CHECK(pt2c_cpu_supports(isa), err, PT2C_ERR_UNSUPPORTED,
               "run: %s asks for %s kernels, but this CPU lacks %s", source, pt2c_isa_name(isa),
               isa == PT2C_ISA_AVX512 ? "AVX-512F" : "AVX2 and FMA");
    *out = cpu;
    return PT2C_OK;
}
