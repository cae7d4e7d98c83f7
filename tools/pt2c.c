/*
 * pt2c.c - the command-line tool. It uses only the public API in include/pt2c.h, like any
 * other client, and is the only place that prints or exits.
 *
 *   pt2c show [VIEW] MODEL.pt2     the program as PyTorch shows it
 *   pt2c extract MODEL.pt2 DIR     every weight, constant and sample input as .npy
 *   pt2c check MODEL.pt2           every node without a kernel or whose shapes fail
 *   pt2c run MODEL.pt2 [-i X.npy]  run on the CPU, write output_<i>.npy
 */
#include "pt2c.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char usage[] =
    "usage: pt2c <command> [options]\n"
    "\n"
    "commands:\n"
    "  show [VIEW] MODEL.pt2      show the exported program the way PyTorch prints it\n"
    "      (default)              the readable module: ep.graph_module.print_readable()\n"
    "      --graph                the FX graph: print(ep.graph_module.graph)\n"
    "      --code                 the Python code: ep.graph_module.code\n"
    "      --signature            the graph signature: inputs and outputs with their kinds\n"
    "      --state-dict           parameters and buffers: name, dtype, shape, bytes, values\n"
    "      --constants            tensor constants and non-persistent buffers\n"
    "      --sample-inputs        the example inputs stored in the archive\n"
    "      --range-constraints    ranges of the symbolic sizes\n"
    "      --summary              one screen: format, versions, inputs, outputs, ops\n"
    "      --json                 everything, machine readable\n"
    "  extract MODEL.pt2 DIR      write DIR/<fqn>.npy for every weight, buffer and constant,\n"
    "                             and DIR/sample_inputs/<input>.npy for each sample input\n"
    "  check MODEL.pt2            list every node whose op has no kernel or whose shapes do\n"
    "                             not propagate; non-zero exit if any\n"
    "  run MODEL.pt2 [options]    run on the CPU with pt2c's kernels\n"
    "      -i FILE.npy            a user input, in signature order (repeat); default: the\n"
    "                             archive's sample inputs, else seeded random inputs\n"
    "      -o DIR                 write output_0.npy, output_1.npy, ... into DIR\n"
    "      --threads N            kernel threads (default: every online core)\n"
    "      --seed S               seed for random inputs (default 0)\n"
    "      --iterations N         run N times (buffer mutations carry over, as N calls\n"
    "                             of the module would); outputs are the last run's;\n"
    "                             prints the mean time per run after the first\n"
    "      --next                 start another set of -i inputs: the sets run in order\n"
    "                             with one plan (outputs go to DIR/run_<k>/)\n"
    "      --verbose              print how many shape plans were made and reused\n"
    "      --meta                 print each node's output dtype and shape, run nothing\n"
    "      --no-fusion            run every node as exported (no conv+batch norm+add+relu\n"
    "                             steps): to check what fusion changes\n"
    "  help                       this text\n"
    "  version                    the pt2c version\n";

/* One line on stderr: "pt2c: FILE: message". */
static int fail(const char *file, const pt2c_error *err) {
    char line[1200];
    pt2c_error_format(err, line, sizeof line);
    fprintf(stderr, "pt2c: %s: %s\n", file, line);
    return 1;
}

static int usage_error(const char *msg) {
    fprintf(stderr, "pt2c: %s (run 'pt2c help')\n", msg);
    return 2;
}

static int open_program(const char *path, pt2c_program **prog) {
    pt2c_error err;
    if (pt2c_program_open(path, NULL, prog, &err) != PT2C_OK)
        return fail(path, &err);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* show                                                                                     */

typedef struct view_flag {
    const char *flag;
    pt2c_view view;
} view_flag;

static const view_flag view_flags[] = {
    {"--readable", PT2C_VIEW_READABLE},
    {"--graph", PT2C_VIEW_GRAPH},
    {"--code", PT2C_VIEW_CODE},
    {"--signature", PT2C_VIEW_SIGNATURE},
    {"--state-dict", PT2C_VIEW_STATE_DICT},
    {"--constants", PT2C_VIEW_CONSTANTS},
    {"--sample-inputs", PT2C_VIEW_SAMPLE_INPUTS},
    {"--range-constraints", PT2C_VIEW_RANGE_CONSTRAINTS},
    {"--summary", PT2C_VIEW_SUMMARY},
    {"--json", PT2C_VIEW_JSON},
};

static int cmd_show(int argc, char **argv) {
    pt2c_view view = PT2C_VIEW_READABLE;
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] == '-' && a[1] == '-') {
            size_t k;
            for (k = 0; k < sizeof view_flags / sizeof view_flags[0]; k++)
                if (strcmp(a, view_flags[k].flag) == 0)
                    break;
            if (k == sizeof view_flags / sizeof view_flags[0]) {
                char msg[256];
                snprintf(msg, sizeof msg, "show: unknown option '%s'", a);
                return usage_error(msg);
            }
            view = view_flags[k].view;
        } else if (!path) {
            path = a;
        } else {
            return usage_error("show: takes one MODEL.pt2");
        }
    }
    if (!path)
        return usage_error("show: missing MODEL.pt2");
    pt2c_program *prog = NULL;
    int rc = open_program(path, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    pt2c_error_clear(&err);
    char *text = NULL;
    size_t len = 0;
    if (pt2c_program_render(prog, view, &text, &len, &err) != PT2C_OK) {
        rc = fail(path, &err);
    } else {
        fwrite(text, 1, len, stdout);
        if (len == 0 || text[len - 1] != '\n')
            fputc('\n', stdout);
        pt2c_free(prog, text);
    }
    pt2c_program_close(prog);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* extract                                                                                  */

static int make_dir(const char *path) {
    if (mkdir(path, 0755) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
    }
    fprintf(stderr, "pt2c: %s: cannot create directory: %s\n", path, strerror(errno));
    return 1;
}

/* File name for a tensor name: keep it readable, but never leave the directory. */
static void file_name_for(const char *name, char *out, size_t out_size) {
    size_t o = 0;
    if (name[0] == '.' || name[0] == 0)
        out[o++] = '_';
    for (const char *p = name; *p && o + 5 < out_size; p++)
        out[o++] = (*p == '/' || *p == '\\') ? '_' : *p;
    snprintf(out + o, out_size - o, ".npy");
}

static int extract_set(const char *model, pt2c_program *prog, pt2c_tensor_set set, const char *dir,
                       size_t *count) {
    size_t n = pt2c_program_n_tensors(prog, set);
    for (size_t i = 0; i < n; i++) {
        pt2c_error err;
        pt2c_error_clear(&err);
        pt2c_tensor_info t;
        if (pt2c_program_tensor(prog, set, i, &t, &err) != PT2C_OK)
            return fail(model, &err);
        char file[1024], path[4096];
        file_name_for(t.name, file, sizeof file);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        if (pt2c_tensor_write_npy(&t, path, &err) != PT2C_OK)
            return fail(model, &err);
        (*count)++;
    }
    return 0;
}

static int cmd_extract(int argc, char **argv) {
    if (argc != 2)
        return usage_error("extract: expected MODEL.pt2 DIR");
    const char *model = argv[0], *dir = argv[1];
    pt2c_program *prog = NULL;
    int rc = open_program(model, &prog);
    if (rc)
        return rc;
    size_t count = 0;
    char inputs_dir[4096];
    snprintf(inputs_dir, sizeof inputs_dir, "%s/sample_inputs", dir);
    rc = make_dir(dir);
    if (!rc)
        rc = extract_set(model, prog, PT2C_TENSORS_STATE_DICT, dir, &count);
    if (!rc)
        rc = extract_set(model, prog, PT2C_TENSORS_CONSTANTS, dir, &count);
    if (!rc && pt2c_program_n_tensors(prog, PT2C_TENSORS_SAMPLE_INPUTS) > 0) {
        rc = make_dir(inputs_dir);
        if (!rc)
            rc = extract_set(model, prog, PT2C_TENSORS_SAMPLE_INPUTS, inputs_dir, &count);
    }
    if (!rc)
        printf("wrote %zu tensors to %s\n", count, dir);
    pt2c_program_close(prog);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* check                                                                                    */

static int cmd_check(int argc, char **argv) {
    if (argc != 1)
        return usage_error("check: expected MODEL.pt2");
    const char *path = argv[0];
    pt2c_program *prog = NULL;
    int rc = open_program(path, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    char *report = NULL;
    size_t len = 0, n = 0;
    if (pt2c_program_check(prog, &report, &len, &n, &err) != PT2C_OK) {
        rc = fail(path, &err);
    } else if (n) {
        /* One line per problem, each naming the file, node and op. */
        for (char *line = report; line && *line;) {
            char *nl = strchr(line, '\n');
            if (nl)
                *nl = 0;
            fprintf(stderr, "pt2c: %s: %s\n", path, line);
            line = nl ? nl + 1 : NULL;
        }
        fprintf(stderr, "pt2c: %s: %zu problem%s\n", path, n, n == 1 ? "" : "s");
        rc = 1;
    } else {
        printf("%s: ok, every node has a kernel and shapes propagate\n", path);
    }
    pt2c_free(prog, report);
    pt2c_program_close(prog);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* run                                                                                      */

enum { MAX_INPUTS = 256 };

typedef struct run_args {
    const char *model;
    const char *inputs[MAX_INPUTS];
    int n_inputs;
    const char *out_dir;
    int threads;
    unsigned long long seed;
    int meta;
    int no_fusion;
    long iterations;
    int verbose;
    int group_end[MAX_INPUTS]; /* input sets: files [group_end[g-1], group_end[g]) */
    int n_groups;
} run_args;

static int parse_run_args(int argc, char **argv, run_args *a) {
    memset(a, 0, sizeof *a);
    a->threads = 0; /* every online core */
    a->iterations = 1;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(s, "-i") == 0 && has_value) {
            if (a->n_inputs == MAX_INPUTS)
                return usage_error("run: too many inputs");
            a->inputs[a->n_inputs++] = argv[++i];
        } else if (strcmp(s, "-o") == 0 && has_value) {
            a->out_dir = argv[++i];
        } else if (strcmp(s, "--threads") == 0 && has_value) {
            char *end;
            long t = strtol(argv[++i], &end, 10);
            if (*end || t < 1 || t > 64)
                return usage_error("run: --threads takes a number from 1 to 64");
            a->threads = (int)t;
        } else if (strcmp(s, "--seed") == 0 && has_value) {
            char *end;
            a->seed = strtoull(argv[++i], &end, 10);
            if (*end)
                return usage_error("run: --seed takes a number");
        } else if (strcmp(s, "--iterations") == 0 && has_value) {
            char *end;
            a->iterations = strtol(argv[++i], &end, 10);
            if (*end || a->iterations < 1 || a->iterations > 1000000000L)
                return usage_error("run: --iterations takes a number from 1 to 1000000000");
        } else if (strcmp(s, "--no-fusion") == 0) {
            a->no_fusion = 1;
        } else if (strcmp(s, "--meta") == 0) {
            a->meta = 1;
        } else if (strcmp(s, "--verbose") == 0) {
            a->verbose = 1;
        } else if (strcmp(s, "--next") == 0) {
            if (a->n_groups + 1 >= MAX_INPUTS || a->n_inputs == 0)
                return usage_error("run: --next separates sets of -i inputs");
            a->group_end[a->n_groups++] = a->n_inputs;
        } else if (s[0] == '-') {
            char msg[256];
            snprintf(msg, sizeof msg, "run: unknown option '%s'", s);
            return usage_error(msg);
        } else if (!a->model) {
            a->model = s;
        } else {
            return usage_error("run: takes one MODEL.pt2");
        }
    }
    if (!a->model)
        return usage_error("run: missing MODEL.pt2");
    a->group_end[a->n_groups++] = a->n_inputs;
    return 0;
}

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

static void print_summary(size_t i, const pt2c_tensor_info *t) {
    printf("output %zu: %s [", i, pt2c_dtype_name(t->dtype));
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

/* Monotonic wall-clock seconds, for --iterations timing. */
static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Load input set g (files, sample inputs or random) and give it to the runner. The input
 * bytes stay in buffers[] until the caller frees them after the run. */
static int set_inputs(const run_args *a, int g, pt2c_program *prog, pt2c_runner *runner,
                      size_t n_in, void **buffers, int *owned_random, size_t *n_buffers) {
    pt2c_error err;
    size_t n_samples = pt2c_program_n_tensors(prog, PT2C_TENSORS_SAMPLE_INPUTS);
    int use_samples = !a->n_inputs && n_samples == n_in && n_in > 0;
    uint64_t state = a->seed;
    if (!a->n_inputs && !use_samples && n_in > 0)
        printf("inputs: random, seed %llu\n", a->seed);
    for (size_t i = 0; i < n_in; i++) {
        pt2c_tensor_info t;
        if (a->n_inputs) {
            const char *file = a->inputs[(size_t)g * n_in + i];
            if (pt2c_tensor_read_npy(file, &t, &buffers[*n_buffers], &err) != PT2C_OK)
                return fail(a->model, &err);
            (*n_buffers)++;
        } else if (use_samples) {
            if (pt2c_program_tensor(prog, PT2C_TENSORS_SAMPLE_INPUTS, i, &t, &err) != PT2C_OK)
                return fail(a->model, &err);
        } else {
            pt2c_tensor_info expect;
            if (pt2c_runner_input_info(runner, i, &expect, &err) != PT2C_OK)
                return fail(a->model, &err);
            buffers[*n_buffers] = random_input(&expect, &state, &t);
            owned_random[*n_buffers] = 1;
            if (!buffers[*n_buffers]) {
                fprintf(stderr, "pt2c: %s: out of memory for input %zu\n", a->model, i);
                return 1;
            }
            (*n_buffers)++;
        }
        if (pt2c_runner_set_input(runner, i, &t, &err) != PT2C_OK)
            return fail(a->model, &err);
    }
    return 0;
}

static void free_inputs(void **buffers, int *owned_random, size_t *n_buffers) {
    for (size_t i = 0; i < *n_buffers; i++) {
        if (owned_random[i])
            free(buffers[i]);
        else
            pt2c_npy_free(buffers[i]);
        buffers[i] = NULL;
        owned_random[i] = 0;
    }
    *n_buffers = 0;
}

/* Run input set g --iterations times; print and write its outputs. */
static int run_group(const run_args *a, int g, pt2c_runner *runner) {
    pt2c_error err;
    /* The first run also plans shapes and buffers; the mean leaves it out. */
    double t0 = 0;
    for (long it = 0; it < a->iterations; it++) {
        if (it == 1)
            t0 = now_seconds();
        if (pt2c_runner_run(runner, &err) != PT2C_OK)
            return fail(a->model, &err);
    }
    if (a->iterations > 1) {
        pt2c_runner_stats st;
        pt2c_runner_get_stats(runner, &st);
        printf("%ld runs, %.3f ms per run after the first, %d thread%s, %s kernels\n",
               a->iterations, (now_seconds() - t0) * 1e3 / (double)(a->iterations - 1),
               st.n_threads, st.n_threads == 1 ? "" : "s", pt2c_isa_name(st.isa));
    }
    char dir[4096] = "";
    if (a->out_dir) {
        int rc = make_dir(a->out_dir);
        if (rc)
            return rc;
        if (a->n_groups > 1) {
            snprintf(dir, sizeof dir, "%s/run_%d", a->out_dir, g);
            if ((rc = make_dir(dir)) != 0)
                return rc;
        } else {
            snprintf(dir, sizeof dir, "%s", a->out_dir);
        }
    }
    if (a->n_groups > 1)
        printf("run %d:\n", g);
    for (size_t i = 0; i < pt2c_runner_n_outputs(runner); i++) {
        pt2c_tensor_info t;
        if (pt2c_runner_output(runner, i, &t, &err) != PT2C_OK)
            return fail(a->model, &err);
        print_summary(i, &t);
        if (a->out_dir) {
            char path[4200];
            snprintf(path, sizeof path, "%s/output_%zu.npy", dir, i);
            if (pt2c_tensor_write_npy(&t, path, &err) != PT2C_OK)
                return fail(a->model, &err);
        }
    }
    return 0;
}

static int cmd_run(int argc, char **argv) {
    run_args a;
    int rc = parse_run_args(argc, argv, &a);
    if (rc)
        return rc;
    pt2c_program *prog = NULL;
    rc = open_program(a.model, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    pt2c_runner *runner = NULL;
    pt2c_run_options opts = {0};
    opts.n_threads = a.threads;
    opts.no_fusion = a.no_fusion;
    void *buffers[MAX_INPUTS] = {NULL};
    size_t n_buffers = 0;
    int owned_random[MAX_INPUTS] = {0};
    if (pt2c_runner_create(prog, &opts, &runner, &err) != PT2C_OK) {
        rc = fail(a.model, &err);
        goto done;
    }
    size_t n_in = pt2c_runner_n_inputs(runner);
    if (n_in > MAX_INPUTS) {
        fprintf(stderr, "pt2c: %s: %zu inputs is more than pt2c run handles\n", a.model, n_in);
        rc = 1;
        goto done;
    }
    for (int g = 0; g < a.n_groups && a.n_inputs; g++) {
        int given = a.group_end[g] - (g ? a.group_end[g - 1] : 0);
        if ((size_t)given != n_in) {
            fprintf(stderr, "pt2c: %s: run: %d input file%s given%s, the program takes %zu\n",
                    a.model, given, given == 1 ? "" : "s", a.n_groups > 1 ? " in a set" : "", n_in);
            rc = 1;
            goto done;
        }
    }
    for (int g = 0; g < a.n_groups; g++) {
        rc = set_inputs(&a, g, prog, runner, n_in, buffers, owned_random, &n_buffers);
        if (rc)
            goto done;
        if (a.meta) {
            char *text = NULL;
            size_t len = 0;
            if (pt2c_runner_describe(runner, &text, &len, &err) != PT2C_OK) {
                rc = fail(a.model, &err);
                goto done;
            }
            fwrite(text, 1, len, stdout);
            pt2c_free(prog, text);
        } else if ((rc = run_group(&a, g, runner)) != 0) {
            goto done;
        }
        free_inputs(buffers, owned_random, &n_buffers);
    }
    if (a.verbose) {
        pt2c_runner_stats st;
        pt2c_runner_get_stats(runner, &st);
        printf("plans: %lld shaped from scratch, %lld reused from the cache; %llu bytes of "
               "activations in the current plan\n",
               (long long)st.shape_plans, (long long)st.cache_hits,
               (unsigned long long)st.activation_bytes);
        printf("memory: arena %llu bytes for %llu bytes of intermediates; scratch %llu; "
               "packed weights %llu\n",
               (unsigned long long)st.arena_bytes, (unsigned long long)st.activation_bytes,
               (unsigned long long)st.scratch_bytes, (unsigned long long)st.packed_bytes);
    }
done:
    free_inputs(buffers, owned_random, &n_buffers);
    pt2c_runner_destroy(runner);
    pt2c_program_close(prog);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return usage_error("missing command");
    const char *cmd = argv[1];
    if (strcmp(cmd, "show") == 0)
        return cmd_show(argc - 2, argv + 2);
    if (strcmp(cmd, "extract") == 0)
        return cmd_extract(argc - 2, argv + 2);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("pt2c %s\n", pt2c_version());
        return 0;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
    return usage_error(msg);
}
