/*
 * run_program.c - run a .pt2 with libpt2c: open, plan, set inputs, run, read outputs.
 * Inputs come from .npy files given after the model (in signature order), or from the
 * archive's sample inputs when none are given. Build: CMake target example_run.
 *
 *     ./build/example_run model.pt2 [input0.npy ...]
 */
#include "pt2c.h"

#include <stdio.h>

enum { MAX_INPUTS = 64 };

static int fail(const char *what, const pt2c_error *err) {
    char line[1200];
    pt2c_error_format(err, line, sizeof line);
    fprintf(stderr, "%s: %s\n", what, line);
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL.pt2 [INPUT.npy ...]\n", argv[0]);
        return 2;
    }
    pt2c_error err;
    pt2c_program *prog = NULL;
    if (pt2c_program_open(argv[1], NULL, &prog, &err) != PT2C_OK)
        return fail(argv[1], &err);

    int rc = 0;
    pt2c_runner *runner = NULL;
    void *buffers[MAX_INPUTS] = {NULL};
    size_t n_given = (size_t)argc - 2;
    pt2c_run_options opts = {.n_threads = 2};
    if (pt2c_runner_create(prog, &opts, &runner, &err) != PT2C_OK) {
        rc = fail(argv[1], &err);
        goto done;
    }
    size_t n_in = pt2c_runner_n_inputs(runner);
    if (n_in > MAX_INPUTS || (n_given && n_given != n_in)) {
        fprintf(stderr, "%s: the program takes %zu inputs\n", argv[1], n_in);
        rc = 1;
        goto done;
    }
    for (size_t i = 0; i < n_in; i++) {
        pt2c_tensor_info t;
        pt2c_status st = n_given
                             ? pt2c_tensor_read_npy(argv[2 + i], &t, &buffers[i], &err)
                             : pt2c_program_tensor(prog, PT2C_TENSORS_SAMPLE_INPUTS, i, &t, &err);
        /* The runner borrows the input's bytes until pt2c_runner_run returns. */
        if (st != PT2C_OK || pt2c_runner_set_input(runner, i, &t, &err) != PT2C_OK) {
            rc = fail(argv[1], &err);
            goto done;
        }
    }
    if (pt2c_runner_run(runner, &err) != PT2C_OK) {
        rc = fail(argv[1], &err);
        goto done;
    }
    for (size_t i = 0; i < pt2c_runner_n_outputs(runner); i++) {
        pt2c_tensor_info t;
        if (pt2c_runner_output(runner, i, &t, &err) != PT2C_OK) {
            rc = fail(argv[1], &err);
            goto done;
        }
        printf("output %zu: %s, %d dims\n", i, pt2c_dtype_name(t.dtype), (int)t.rank);
    }
done:
    for (size_t i = 0; i < MAX_INPUTS; i++)
        pt2c_npy_free(buffers[i]);
    pt2c_runner_destroy(runner);
    pt2c_program_close(prog);
    return rc;
}
