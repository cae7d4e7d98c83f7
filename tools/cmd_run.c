/* cmd_run.c - `pt2c run MODEL.pt2 [options]`: run on the CPU with pt2c's kernels, print a
 * summary of each output and write them as .npy. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char run_help[] =
    "  run MODEL.pt2 [options]    run on the CPU with pt2c's kernels\n"
    "      -i FILE.npy            a user input, in signature order (repeat); default: the\n"
    "                             archive's sample inputs, else seeded random inputs\n"
    "      -o DIR                 write output_0.npy, output_1.npy, ... into DIR\n"
    "      --threads N            kernel threads (default: every online core)\n"
    "      --seed S               seed for random inputs (default 0) and for random ops\n"
    "                             (rand, randn, dropout, ...) as torch.manual_seed(S)\n"
    "                             (default: PyTorch's default seed, 67280421310721)\n"
    "      --iterations N         run N times (buffer mutations carry over, as N calls\n"
    "                             of the module would); outputs are the last run's;\n"
    "                             prints the mean time per run after the first\n"
    "      --next                 start another set of -i inputs: the sets run in order\n"
    "                             with one plan (outputs go to DIR/run_<k>/)\n"
    "      --verbose              print how many shape plans were made and reused, and\n"
    "                             the memory the plan uses\n"
    "      --meta                 print each node's output dtype and shape, run nothing\n"
    "      --passes LIST          graph passes to run first (default:\n"
    "                             " PT2C_DEFAULT_PASSES ";\n"
    "                             'none' runs the graph as exported; pt2c opt --help lists\n"
    "                             them)\n"
    "      --no-fusion            run every node as exported (no conv+batch norm+add+relu\n"
    "                             steps, no elementwise groups): to check what fusion\n"
    "                             changes\n"
    "      --no-views             copy every strided view (permute, slice, select, expand,\n"
    "                             split, ...) instead of aliasing its input: to compare\n";

typedef struct run_args {
    const char *model;
    const char *inputs[PT2C_CLI_MAX_INPUTS];
    int n_inputs;
    const char *out_dir;
    int threads;
    unsigned long long seed;
    int seed_set; /* --seed given: it also seeds the random ops */
    int meta;
    int no_fusion;
    int no_views;
    const char *passes; /* NULL: the default pipeline */
    long iterations;
    int verbose;
    int group_end[PT2C_CLI_MAX_INPUTS]; /* input sets: files [group_end[g-1], group_end[g]) */
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
            if (a->n_inputs == PT2C_CLI_MAX_INPUTS)
                return pt2c_cli_usage_error("run: too many inputs");
            a->inputs[a->n_inputs++] = argv[++i];
        } else if (strcmp(s, "-o") == 0 && has_value) {
            a->out_dir = argv[++i];
        } else if (strcmp(s, "--threads") == 0 && has_value) {
            long t;
            if (pt2c_cli_parse_long(argv[++i], 1, 64, &t))
                return pt2c_cli_usage_error("run: --threads takes a number from 1 to 64");
            a->threads = (int)t;
        } else if (strcmp(s, "--seed") == 0 && has_value) {
            char *end;
            a->seed = strtoull(argv[++i], &end, 10);
            if (*end)
                return pt2c_cli_usage_error("run: --seed takes a number");
            a->seed_set = 1;
        } else if (strcmp(s, "--iterations") == 0 && has_value) {
            if (pt2c_cli_parse_long(argv[++i], 1, 1000000000L, &a->iterations))
                return pt2c_cli_usage_error(
                    "run: --iterations takes a number from 1 to 1000000000");
        } else if (strcmp(s, "--meta") == 0) {
            a->meta = 1;
        } else if (strcmp(s, "--no-fusion") == 0) {
            a->no_fusion = 1;
        } else if (strcmp(s, "--no-views") == 0) {
            a->no_views = 1;
        } else if (strcmp(s, "--passes") == 0 && has_value) {
            a->passes = argv[++i];
        } else if (strcmp(s, "--verbose") == 0) {
            a->verbose = 1;
        } else if (strcmp(s, "--next") == 0) {
            if (a->n_groups + 1 >= PT2C_CLI_MAX_INPUTS || a->n_inputs == 0)
                return pt2c_cli_usage_error("run: --next separates sets of -i inputs");
            a->group_end[a->n_groups++] = a->n_inputs;
        } else if (s[0] == '-') {
            char msg[256];
            snprintf(msg, sizeof msg, "run: unknown option '%s'", s);
            return pt2c_cli_usage_error(msg);
        } else if (!a->model) {
            a->model = s;
        } else {
            return pt2c_cli_usage_error("run: takes one MODEL.pt2");
        }
    }
    if (!a->model)
        return pt2c_cli_usage_error("run: missing MODEL.pt2");
    a->group_end[a->n_groups++] = a->n_inputs;
    return 0;
}

/* Run input set g --iterations times; print and write its outputs. */
static int run_group(const run_args *a, int g, pt2c_runner *runner) {
    pt2c_error err;
    /* The first run also plans shapes and buffers; the mean leaves it out. */
    double t0 = 0;
    for (long it = 0; it < a->iterations; it++) {
        if (it == 1)
            t0 = pt2c_cli_now();
        if (pt2c_runner_run(runner, &err) != PT2C_OK)
            return pt2c_cli_fail(a->model, &err);
    }
    if (a->iterations > 1) {
        pt2c_runner_stats st;
        pt2c_runner_get_stats(runner, &st);
        printf("%ld runs, %.3f ms per run after the first, %d thread%s, %s kernels\n",
               a->iterations, (pt2c_cli_now() - t0) * 1e3 / (double)(a->iterations - 1),
               st.n_threads, st.n_threads == 1 ? "" : "s", pt2c_isa_name(st.isa));
    }
    char dir[4096] = "";
    if (a->out_dir) {
        int rc = pt2c_cli_make_dir(a->out_dir);
        if (rc)
            return rc;
        if (a->n_groups > 1) {
            snprintf(dir, sizeof dir, "%s/run_%d", a->out_dir, g);
            if ((rc = pt2c_cli_make_dir(dir)) != 0)
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
            return pt2c_cli_fail(a->model, &err);
        pt2c_cli_print_output(i, &t);
        if (a->out_dir) {
            char path[4200];
            snprintf(path, sizeof path, "%s/output_%zu.npy", dir, i);
            if (pt2c_tensor_write_npy(&t, path, &err) != PT2C_OK)
                return pt2c_cli_fail(a->model, &err);
        }
    }
    return 0;
}

static int run_main(int argc, char **argv) {
    run_args a;
    pt2c_cli_inputs in = {.n = 0};
    int rc = parse_run_args(argc, argv, &a);
    if (rc)
        return rc;
    pt2c_program *prog = NULL;
    rc = pt2c_cli_open_program(a.model, &prog);
    if (rc)
        return rc;
    pt2c_error err;
    pt2c_runner *runner = NULL;
    if ((rc = pt2c_cli_optimize(a.model, prog, a.passes)) != 0)
        goto done;
    pt2c_run_options opts = {0};
    opts.n_threads = a.threads;
    opts.no_fusion = a.no_fusion;
    opts.no_views = a.no_views;
    opts.seed_set = a.seed_set;
    opts.seed = a.seed;
    if (pt2c_runner_create(prog, &opts, &runner, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(a.model, &err);
        goto done;
    }
    size_t n_in = pt2c_runner_n_inputs(runner);
    if (n_in > PT2C_CLI_MAX_INPUTS) {
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
    pt2c_cli_source source = pt2c_cli_input_source(prog, n_in, (size_t)a.n_inputs);
    for (int g = 0; g < a.n_groups; g++) {
        if (source == PT2C_CLI_INPUTS_RANDOM && n_in > 0)
            printf("inputs: random, seed %llu\n", a.seed);
        const char *const *files = a.inputs + (size_t)g * n_in;
        rc = pt2c_cli_load_inputs(a.model, prog, runner, source, files, a.seed, &in);
        if (rc)
            goto done;
        if (a.meta) {
            char *text = NULL;
            size_t len = 0;
            if (pt2c_runner_describe(runner, &text, &len, &err) != PT2C_OK) {
                rc = pt2c_cli_fail(a.model, &err);
                goto done;
            }
            fwrite(text, 1, len, stdout);
            pt2c_free(prog, text);
        } else if ((rc = run_group(&a, g, runner)) != 0) {
            goto done;
        }
        pt2c_cli_free_inputs(&in);
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
        printf("views: %lld strided views alias their input, %lld copied\n", (long long)st.views,
               (long long)st.view_copies);
        printf("elementwise: %lld fused groups of %lld ops; %lld strided inputs read in place\n",
               (long long)st.elementwise_groups, (long long)st.elementwise_ops,
               (long long)st.strided_reads);
    }
done:
    pt2c_cli_free_inputs(&in);
    pt2c_runner_destroy(runner);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_run = {"run", "run MODEL.pt2 [options]", run_help, run_main};
