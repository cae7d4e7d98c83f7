/* cmd_partition.c - `pt2c partition MODEL.pt2 [--backends a,b] [--run ...]`: which backend
 * runs which nodes and why; with --run, run the program partition by partition and check
 * it against the whole-graph run. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char partition_help[] =
    "  partition MODEL.pt2        which backend runs which nodes, and why: x86 (the vector\n"
    "                             kernels) before portable (every op, plain C)\n"
    "      --backends LIST        backends to ask, in order (default x86,portable)\n"
    "      --passes LIST          graph passes first (default as pt2c run)\n"
    "      --run                  also run partition by partition (inputs as pt2c run:\n"
    "                             -i FILE.npy ..., else samples, else --seed random) and\n"
    "                             compare each output with the whole-graph run\n"
    "      -o DIR                 with --run: write the partitioned outputs as .npy\n"
    "      --threads N            kernel threads (default: every online core)\n";

typedef struct partition_args {
    const char *model, *backends, *passes, *out_dir;
    const char *inputs[PT2C_CLI_MAX_INPUTS];
    int n_inputs, run, threads;
    unsigned long long seed;
} partition_args;

static int parse_partition_args(int argc, char **argv, partition_args *a) {
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        int has_value = i + 1 < argc;
        if (strcmp(s, "--backends") == 0 && has_value) {
            a->backends = argv[++i];
        } else if (strcmp(s, "--passes") == 0 && has_value) {
            a->passes = argv[++i];
        } else if (strcmp(s, "--run") == 0) {
            a->run = 1;
        } else if (strcmp(s, "-o") == 0 && has_value) {
            a->out_dir = argv[++i];
        } else if (strcmp(s, "-i") == 0 && has_value) {
            if (a->n_inputs == PT2C_CLI_MAX_INPUTS)
                return pt2c_cli_usage_error("partition: too many inputs");
            a->inputs[a->n_inputs++] = argv[++i];
        } else if (strcmp(s, "--threads") == 0 && has_value) {
            long t;
            if (pt2c_cli_parse_long(argv[++i], 1, 64, &t))
                return pt2c_cli_usage_error("partition: --threads takes a number from 1 to 64");
            a->threads = (int)t;
        } else if (strcmp(s, "--seed") == 0 && has_value) {
            char *end;
            a->seed = strtoull(argv[++i], &end, 10);
            if (*end)
                return pt2c_cli_usage_error("partition: --seed takes a number");
        } else if (s[0] == '-') {
            char msg[256];
            snprintf(msg, sizeof msg, "partition: unknown option '%s' (or it needs a value)", s);
            return pt2c_cli_usage_error(msg);
        } else if (!a->model) {
            a->model = s;
        } else {
            return pt2c_cli_usage_error("partition: takes one MODEL.pt2");
        }
    }
    if (!a->model)
        return pt2c_cli_usage_error("partition: missing MODEL.pt2");
    if ((a->n_inputs || a->out_dir) && !a->run)
        return pt2c_cli_usage_error("partition: -i and -o go with --run");
    return 0;
}

/* 0 when two outputs of the same dtype and size hold the same bytes; else for float32 the
 * largest |a - b| (infinite when only one side is NaN), and -1 for other dtypes or when the
 * bits differ with equal values (-0 and 0). */
static double max_diff(const pt2c_tensor_info *a, const pt2c_tensor_info *b) {
    size_t n = 1, es = pt2c_dtype_size(a->dtype);
    for (int32_t d = 0; d < a->rank; d++)
        n *= (size_t)a->sizes[d];
    const char *pa = (const char *)a->storage + (size_t)a->storage_offset * es;
    const char *pb = (const char *)b->storage + (size_t)b->storage_offset * es;
    if (n == 0 || memcmp(pa, pb, n * es) == 0)
        return 0;
    if (a->dtype != PT2C_DTYPE_F32)
        return -1;
    const float *x = (const float *)pa, *y = (const float *)pb;
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)x[i] - (double)y[i];
        d = d < 0 ? -d : d;
        if (d != d) { /* NaN: the same on both sides is no difference */
            if (!(x[i] != x[i] && y[i] != y[i]))
                return 1.0 / 0.0;
            continue;
        }
        m = d > m ? d : m;
    }
    return m > 0 ? m : -1;
}

static int run_partitioned(const partition_args *a, pt2c_program *prog) {
    pt2c_error err;
    pt2c_runner *whole = NULL;
    pt2c_partitioned *parts = NULL;
    pt2c_cli_inputs in = {.n = 0};
    int rc = 0;
    pt2c_run_options opts = {.n_threads = a->threads};
    if (pt2c_partitioned_create(prog, a->backends, a->threads, &parts, &err) != PT2C_OK ||
        pt2c_runner_create(prog, &opts, &whole, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a->model, &err);
        goto done;
    }
    size_t n_in = pt2c_runner_n_inputs(whole);
    if (a->n_inputs && (size_t)a->n_inputs != n_in) {
        fprintf(stderr, "pt2c: %s: partition: %d input files given, the program takes %zu\n",
                a->model, a->n_inputs, n_in);
        rc = 1;
        goto done;
    }
    pt2c_cli_source source = pt2c_cli_input_source(prog, n_in, (size_t)a->n_inputs);
    if ((rc = pt2c_cli_load_inputs(a->model, prog, whole, source, a->inputs, a->seed, &in)) != 0)
        goto done;
    if (pt2c_runner_run(whole, &err) != PT2C_OK ||
        pt2c_partitioned_run(parts, in.t, in.n, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a->model, &err);
        goto done;
    }
    if (a->out_dir && (rc = pt2c_cli_make_dir(a->out_dir)) != 0)
        goto done;
    printf("ran %zu partitions:\n", pt2c_partitioned_n_partitions(parts));
    for (size_t i = 0; i < pt2c_partitioned_n_outputs(parts); i++) {
        pt2c_tensor_info p, w;
        if (pt2c_partitioned_output(parts, i, &p, &err) != PT2C_OK ||
            pt2c_runner_output(whole, i, &w, &err) != PT2C_OK) {
            rc = pt2c_cli_fail(a->model, &err);
            goto done;
        }
        pt2c_cli_print_output(i, &p);
        double d = max_diff(&p, &w);
        if (d == 0)
            printf("  the same bits as the whole-graph run\n");
        else if (d > 0)
            printf("  max |partitioned - whole| = %g\n", d);
        else
            printf("  differs from the whole-graph run\n");
        if (a->out_dir) {
            char path[4200];
            snprintf(path, sizeof path, "%s/output_%zu.npy", a->out_dir, i);
            if (pt2c_tensor_write_npy(&p, path, &err) != PT2C_OK) {
                rc = pt2c_cli_fail(a->model, &err);
                goto done;
            }
        }
    }
done:
    pt2c_cli_free_inputs(&in);
    pt2c_partitioned_destroy(parts);
    pt2c_runner_destroy(whole);
    return rc;
}

static int partition_main(int argc, char **argv) {
    partition_args a;
    int rc = parse_partition_args(argc, argv, &a);
    if (rc)
        return rc;
    pt2c_program *prog = NULL;
    if ((rc = pt2c_cli_open_program(a.model, &prog)) != 0)
        return rc;
    if ((rc = pt2c_cli_optimize(a.model, prog, a.passes)) != 0)
        goto done;
    pt2c_error err;
    char *report = NULL;
    size_t len = 0;
    if (pt2c_program_partition(prog, a.backends, &report, &len, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a.model, &err);
        goto done;
    }
    fwrite(report, 1, len, stdout);
    pt2c_free(prog, report);
    if (a.run)
        rc = run_partitioned(&a, prog);
done:
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_partition = {"partition", "partition MODEL.pt2 [options]",
                                          partition_help, partition_main};
