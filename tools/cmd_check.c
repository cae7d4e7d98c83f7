/* cmd_check.c - `pt2c check MODEL.pt2`: every node without a kernel or whose shapes do not
 * propagate, before anything runs. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char check_help[] =
    "  check MODEL.pt2            list every node whose op has no kernel or whose shapes do\n"
    "                             not propagate; non-zero exit if any; else print the\n"
    "                             memory a run needs at the exported sizes\n"
    "      --passes LIST          graph passes first, as pt2c run applies them (default\n"
    "                             " PT2C_DEFAULT_PASSES ";\n"
    "                             'none': check the graph as exported)\n";

/* The memory of a plan for the exported sizes, as a runner with default options plans it
 * (fused, every core): what deploying the model costs beside its weights. */
static int print_memory(const char *path, pt2c_program *prog) {
    pt2c_error err;
    pt2c_runner *runner = NULL;
    if (pt2c_runner_create(prog, NULL, &runner, &err) != PT2C_OK ||
        pt2c_runner_prepare(runner, &err) != PT2C_OK) {
        pt2c_runner_destroy(runner);
        return pt2c_cli_fail(path, &err);
    }
    pt2c_runner_stats st;
    pt2c_runner_get_stats(runner, &st);
    if (st.shape_plans == 0)
        printf("memory: sizes depend on the input data; planned at each run\n");
    else
        printf("memory: arena %llu bytes for %llu bytes of intermediates; scratch %llu bytes "
               "(%d threads); weights repacked %llu bytes\n",
               (unsigned long long)st.arena_bytes, (unsigned long long)st.activation_bytes,
               (unsigned long long)st.scratch_bytes, st.n_threads,
               (unsigned long long)st.packed_bytes);
    pt2c_runner_destroy(runner);
    return 0;
}

/* The default passes, so that check describes what pt2c run does (a training IR that
 * writes into views runs once functionalized). A file whose graph is broken as read fails
 * the passes' first check before any pass runs: then the program is checked as read, which
 * lists every problem. */
static int apply_passes(const char *path, pt2c_program *prog, const char *passes) {
    if (passes && strcmp(passes, "none") == 0)
        return 0;
    pt2c_error err;
    pt2c_optimize_options o = {0};
    o.passes = passes;
    pt2c_status st = pt2c_program_optimize(prog, &o, &err);
    if (st == PT2C_OK || st == PT2C_ERR_FORMAT)
        return 0;
    return pt2c_cli_fail(path, &err);
}

static int check_main(int argc, char **argv) {
    const char *path = NULL, *passes = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--passes") == 0 && i + 1 < argc)
            passes = argv[++i];
        else if (argv[i][0] == '-' || path)
            return pt2c_cli_usage_error("check: expected MODEL.pt2 [--passes LIST]");
        else
            path = argv[i];
    }
    if (!path)
        return pt2c_cli_usage_error("check: expected MODEL.pt2 [--passes LIST]");
    pt2c_program *prog = NULL;
    int rc = pt2c_cli_open_program(path, &prog);
    if (rc)
        return rc;
    if ((rc = apply_passes(path, prog, passes)) != 0) {
        pt2c_program_close(prog);
        return rc;
    }
    pt2c_error err;
    char *report = NULL;
    size_t len = 0, n = 0;
    if (pt2c_program_check(prog, &report, &len, &n, &err) != PT2C_OK) {
        rc = pt2c_cli_fail(path, &err);
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
        rc = print_memory(path, prog);
    }
    pt2c_free(prog, report);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_check = {"check", "check MODEL.pt2 [--passes LIST]", check_help,
                                      check_main};
