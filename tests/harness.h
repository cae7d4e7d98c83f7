/*
 * harness.h - a tiny test framework: TEST(name) { ... EXPECT_*(...); } and a main that runs
 * every test and prints "N passed, M failed". Failures print file, line and both values.
 *
 * Example:
 *     #include "harness.h"
 *     TEST(adds_small_ints) { EXPECT_EQ(1 + 1, 2); }
 *     TEST_MAIN()
 */
#ifndef PT2C_TEST_HARNESS_H
#define PT2C_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void (*harness_fn)(void);
typedef struct harness_case {
    const char *name;
    harness_fn fn;
} harness_case;

enum { HARNESS_MAX_CASES = 512 };
static harness_case harness_cases[HARNESS_MAX_CASES];
static int harness_n_cases;
static int harness_failed_checks;

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void) {                               \
        if (harness_n_cases < HARNESS_MAX_CASES)                                                   \
            harness_cases[harness_n_cases++] = (harness_case){#name, test_##name};                 \
    }                                                                                              \
    static void test_##name(void)

#define HARNESS_FAIL(...)                                                                          \
    do {                                                                                           \
        harness_failed_checks++;                                                                   \
        fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                                            \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fprintf(stderr, "\n");                                                                     \
    } while (0)

#define EXPECT_TRUE(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            HARNESS_FAIL("expected true: %s", #cond);                                              \
    } while (0)

#define EXPECT_EQ(a, b)                                                                            \
    do {                                                                                           \
        long long harness_a_ = (long long)(a), harness_b_ = (long long)(b);                        \
        if (harness_a_ != harness_b_)                                                              \
            HARNESS_FAIL("%s == %s: %lld != %lld", #a, #b, harness_a_, harness_b_);                \
    } while (0)

#define EXPECT_STREQ(a, b)                                                                         \
    do {                                                                                           \
        const char *harness_a_ = (a), *harness_b_ = (b);                                           \
        if (!harness_a_ || !harness_b_ || strcmp(harness_a_, harness_b_) != 0)                     \
            HARNESS_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, harness_a_ ? harness_a_ : "(null)", \
                         harness_b_ ? harness_b_ : "(null)");                                      \
    } while (0)

#define EXPECT_CONTAINS(haystack, needle)                                                          \
    do {                                                                                           \
        const char *harness_h_ = (haystack), *harness_n_ = (needle);                               \
        if (!harness_h_ || !strstr(harness_h_, harness_n_))                                        \
            HARNESS_FAIL("\"%s\" does not contain \"%s\"", harness_h_ ? harness_h_ : "(null)",     \
                         harness_n_);                                                              \
    } while (0)

#define EXPECT_NEAR(a, b, tol)                                                                     \
    do {                                                                                           \
        double harness_a_ = (double)(a), harness_b_ = (double)(b);                                 \
        if (!(fabs(harness_a_ - harness_b_) <= (double)(tol)))                                     \
            HARNESS_FAIL("%s ~= %s: %.17g vs %.17g", #a, #b, harness_a_, harness_b_);              \
    } while (0)

#define TEST_MAIN()                                                                                \
    int main(void) {                                                                               \
        int passed = 0, failed = 0;                                                                \
        for (int i = 0; i < harness_n_cases; i++) {                                                \
            int before = harness_failed_checks;                                                    \
            harness_cases[i].fn();                                                                 \
            if (harness_failed_checks == before) {                                                 \
                passed++;                                                                          \
            } else {                                                                               \
                failed++;                                                                          \
                fprintf(stderr, "FAILED %s\n", harness_cases[i].name);                             \
            }                                                                                      \
        }                                                                                          \
        printf("%d passed, %d failed\n", passed, failed);                                          \
        return failed ? 1 : 0;                                                                     \
    }

#endif /* PT2C_TEST_HARNESS_H */
