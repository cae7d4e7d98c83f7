/* fuzz_load.c - libFuzzer target: the whole path a user's file takes short of running
 * kernels: open (zip, JSON, pickles, payload binding), every text view, check, and a plan
 * shaped for the exported sizes (--meta). Limits are small so one input stays cheap. */
#include "pt2c.h"

#include <stddef.h>
#include <stdint.h>

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
