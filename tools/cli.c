/* cli.c - helpers the verbs share: error lines, inputs, output summaries, a clock (cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                   */

int pt2c_cli_fail(const char *file, const pt2c_error *err) {
    char line[1200];
    pt2c_error_format(err, line, sizeof line);
    fprintf(stderr, "pt2c: %s: %s\n", file, line);
    return 1;
}

int pt2c_cli_usage_error(const char *msg) {
    fprintf(stderr, "pt2c: %s (run 'pt2c help')\n", msg);
    return 2;
}

int pt2c_cli_open_program(const char *path, pt2c_program **prog) {
    pt2c_error err;
    if (pt2c_program_open(path, NULL, prog, &err) != PT2C_OK)
        return pt2c_cli_fail(path, &err);
    return 0;
}

int pt2c_cli_optimize(const char *path, pt2c_program *prog, const char *passes) {
    pt2c_error err;
    pt2c_optimize_options opts = {0};
    opts.passes = passes && strcmp(passes, "none") == 0 ? "" : passes;
    if (pt2c_program_optimize(prog, &opts, &err) != PT2C_OK)
        return pt2c_cli_fail(path, &err);
    return 0;
}

int pt2c_cli_make_dir(const char *path) {
    if (mkdir(path, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
    }
    fprintf(stderr, "pt2c: %s: cannot create directory: %s\n", path, strerror(errno));
    return 1;
}

int pt2c_cli_parse_long(const char *s, long min, long max, long *out) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < min || v > max)
        return 1;
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Inputs                                                                                   */

/* splitmix64: deterministic inputs for a printed seed. */
static uint64_t next_random(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Fill a random tensor for input i: floats uniform in [-1, 1), ints in [0, 10), bools 0/1. */
static void *random_input(const pt2c_tensor_info *expect, uint64_t *state, pt2c_tensor_info *t) {
    size_t elem = pt2c_dtype_size(expect->dtype);
    uint64_t n = 1;
    for (int32_t d = 0; d < expect->rank; d++)
        n *= (uint64_t)expect->sizes[d];
    unsigned char *data = calloc(n ? n : 1, elem ? elem : 1);
    if (!data)
        return NULL;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t r = next_random(state);
        double u = (double)(r >> 11) / 9007199254740992.0;
        switch (expect->dtype) {
        case PT2C_DTYPE_F32: {
            float f = (float)(2.0 * u - 1.0);
            memcpy(data + k * 4, &f, 4);
            break;
        }
        case PT2C_DTYPE_F64: {
            double f = 2.0 * u - 1.0;
            memcpy(data + k * 8, &f, 8);
            break;
        }
        case PT2C_DTYPE_I64: {
            int64_t v = (int64_t)(r % 10);
            memcpy(data + k * 8, &v, 8);
            break;
        }
        case PT2C_DTYPE_I32: {
            int32_t v = (int32_t)(r % 10);
            memcpy(data + k * 4, &v, 4);
            break;
        }
        case PT2C_DTYPE_BOOL:
        case PT2C_DTYPE_U8:
            data[k] = (unsigned char)(r % 2);
            break;
        default:
            break; /* zeros */
        }
    }
    *t = *expect;
    t->storage = data;
    t->storage_bytes = n * elem;
    return data;
}

pt2c_cli_source pt2c_cli_input_source(const pt2c_program *prog, size_t n_in, size_t n_files) {
    if (n_files)
        return PT2C_CLI_INPUTS_FILES;
    size_t n_samples = pt2c_program_n_tensors(prog, PT2C_TENSORS_SAMPLE_INPUTS);
    if (n_samples == n_in && n_in > 0)
        return PT2C_CLI_INPUTS_SAMPLES;
    return PT2C_CLI_INPUTS_RANDOM;
}

int pt2c_cli_load_inputs(const char *model, const pt2c_program *prog, pt2c_runner *runner,
                         pt2c_cli_source source, const char *const *files, uint64_t seed,
                         pt2c_cli_inputs *in) {
    pt2c_error err;
    size_t n_in = pt2c_runner_n_inputs(runner);
    uint64_t state = seed;
    in->source = source;
    for (size_t i = 0; i < n_in && i < PT2C_CLI_MAX_INPUTS; i++) {
        pt2c_tensor_info *t = &in->t[i];
        in->buffer[i] = NULL;
        in->malloced[i] = false;
        if (source == PT2C_CLI_INPUTS_FILES) {
            if (pt2c_tensor_read_npy(files[i], t, &in->buffer[i], &err) != PT2C_OK)
                return pt2c_cli_fail(model, &err);
        } else if (source == PT2C_CLI_INPUTS_SAMPLES) {
            if (pt2c_program_tensor(prog, PT2C_TENSORS_SAMPLE_INPUTS, i, t, &err) != PT2C_OK)
                return pt2c_cli_fail(model, &err);
        } else {
            pt2c_tensor_info expect;
            if (pt2c_runner_input_info(runner, i, &expect, &err) != PT2C_OK)
                return pt2c_cli_fail(model, &err);
            in->buffer[i] = random_input(&expect, &state, t);
            if (!in->buffer[i]) {
                fprintf(stderr, "pt2c: %s: out of memory for input %zu\n", model, i);
                return 1;
            }
            in->malloced[i] = true;
        }
        in->n = i + 1;
        if (pt2c_runner_set_input(runner, i, t, &err) != PT2C_OK)
            return pt2c_cli_fail(model, &err);
    }
    return 0;
}

int pt2c_cli_set_inputs(const char *model, pt2c_runner *runner, const pt2c_cli_inputs *in) {
    pt2c_error err;
    for (size_t i = 0; i < in->n; i++)
        if (pt2c_runner_set_input(runner, i, &in->t[i], &err) != PT2C_OK)
            return pt2c_cli_fail(model, &err);
    return 0;
}

void pt2c_cli_free_inputs(pt2c_cli_inputs *in) {
    for (size_t i = 0; i < in->n; i++) {
        if (in->malloced[i])
            free(in->buffer[i]);
        else
            pt2c_npy_free(in->buffer[i]);
        in->buffer[i] = NULL;
        in->malloced[i] = false;
    }
    in->n = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Outputs and time                                                                         */

void pt2c_cli_print_output(size_t index, const pt2c_tensor_info *t) {
    printf("output %zu: %s [", index, pt2c_dtype_name(t->dtype));
    uint64_t n = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        printf("%s%lld", d ? ", " : "", (long long)t->sizes[d]);
        n *= (uint64_t)t->sizes[d];
    }
    printf("]");
    uint64_t show = n < 6 ? n : 6;
    printf(" = [");
    for (uint64_t k = 0; k < show; k++) {
        const unsigned char *p = (const unsigned char *)t->storage;
        if (k)
            printf(", ");
        switch (t->dtype) {
        case PT2C_DTYPE_F32: {
            float f;
            memcpy(&f, p + k * 4, 4);
            printf("%.6g", (double)f);
            break;
        }
        case PT2C_DTYPE_F64: {
            double f;
            memcpy(&f, p + k * 8, 8);
            printf("%.6g", f);
            break;
        }
        case PT2C_DTYPE_I64: {
            int64_t v;
            memcpy(&v, p + k * 8, 8);
            printf("%lld", (long long)v);
            break;
        }
        case PT2C_DTYPE_I32: {
            int32_t v;
            memcpy(&v, p + k * 4, 4);
            printf("%d", v);
            break;
        }
        case PT2C_DTYPE_BOOL:
            printf("%s", p[k] ? "True" : "False");
            break;
        default:
            printf("?");
        }
    }
    printf("%s]\n", n > show ? ", ..." : "");
}

double pt2c_cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
