/*
 * test_cpu.h - the kernel table a unit test runs: PT2C_ISA from the environment (generic,
 * avx2, avx512), else the best this CPU has, as the runner chooses. Running a test binary
 * under each PT2C_ISA tests every vector path on the same cases (scripts/test.sh).
 */
#ifndef PT2C_TEST_CPU_H
#define PT2C_TEST_CPU_H

#include "cpu/cpu.h"

#include <stdio.h>
#include <stdlib.h>

static inline const pt2c_cpu *test_cpu(void) {
    const pt2c_cpu *cpu = NULL;
    pt2c_error err;
    pt2c_error_clear(&err);
    if (pt2c_cpu_resolve(PT2C_ISA_AUTO, &cpu, &err) != PT2C_OK) {
        fprintf(stderr, "%s\n", err.msg);
        exit(2);
    }
    return cpu;
}

#endif /* PT2C_TEST_CPU_H */
