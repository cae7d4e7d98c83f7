/* fuzz_load.c - libFuzzer target: the whole path a user's file takes short of running
 * the model: open (zip, JSON, pickles, payload binding), every text view, check, every
 * graph pass (fold_constants runs kernels on the constants), the views and the partition
 * report of the rewritten graph, and a plan shaped for the exported sizes (--meta). Limits
 * are small so one input stays cheap. */
#include "pt2c.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pt2c_limits lim = {0};
    lim.max_inflated_bytes = 64u << 20;
    lim.max_tensor_bytes = 16u << 20;
    lim.max_nodes = 100000;
    pt2c_open_options opts = {0};
    opts.limits = &lim;
    pt2c_program *prog = NULL;
    pt2c_error err;
    if (pt2c_program_open_memory(data, size, "fuzz.pt2", &opts, &prog, &err) != PT2C_OK)
        return 0;
    for (int v = 0; v <= (int)PT2C_VIEW_DOT; v++) {
        char *text = NULL;
        size_t len = 0;
        if (pt2c_program_render(prog, (pt2c_view)v, &text, &len, &err) == PT2C_OK)
            pt2c_free(prog, text);
    }
    char *report = NULL;
    size_t report_len = 0, problems = 0;
    if (pt2c_program_check(prog, &report, &report_len, &problems, &err) == PT2C_OK)
        pt2c_free(prog, report);
    /* Every pass in the table, in its order (a new pass is fuzzed without an edit here); a
     * failed pass may leave the program half rewritten: close it. */
    char all[1024] = "";
    size_t used = 0;
    for (size_t k = 0; k < pt2c_pass_count(); k++) {
        const char *name = pt2c_pass_name(k);
        size_t len = strlen(name);
        if (used + len + 2 > sizeof all)
            break;
        if (used)
            all[used++] = ',';
        memcpy(all + used, name, len + 1);
        used += len;
    }
    pt2c_optimize_options o = {0};
    o.passes = all;
    if (pt2c_program_optimize(prog, &o, &err) != PT2C_OK) {
        pt2c_program_close(prog);
        return 0;
    }
    static const pt2c_view after[] = {PT2C_VIEW_CODE, PT2C_VIEW_JSON, PT2C_VIEW_DOT};
    for (size_t v = 0; v < sizeof after / sizeof after[0]; v++) {
        char *text = NULL;
        size_t len = 0;
        if (pt2c_program_render(prog, after[v], &text, &len, &err) == PT2C_OK)
            pt2c_free(prog, text);
    }
    if (pt2c_program_partition(prog, NULL, &report, &report_len, &err) == PT2C_OK)
        pt2c_free(prog, report);
    pt2c_runner *runner = NULL;
    if (pt2c_runner_create(prog, NULL, &runner, &err) == PT2C_OK) {
        char *text = NULL;
        size_t len = 0;
        if (pt2c_runner_describe(runner, &text, &len, &err) == PT2C_OK)
            pt2c_free(prog, text);
        pt2c_runner_destroy(runner);
    }
    pt2c_program_close(prog);
    return 0;
}
