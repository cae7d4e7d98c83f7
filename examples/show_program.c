/*
 * show_program.c - the smallest client of libpt2c: open a .pt2, print its code and its
 * state dict. Build: part of the CMake project (target example_show).
 *
 *     ./build/example_show model.pt2
 */
#include "pt2c.h"

#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL.pt2\n", argv[0]);
        return 2;
    }
    pt2c_error err;
    pt2c_program *prog = NULL;
    if (pt2c_program_open(argv[1], NULL, &prog, &err) != PT2C_OK) {
        char line[1200];
        pt2c_error_format(&err, line, sizeof line);
        fprintf(stderr, "%s: %s\n", argv[1], line);
        return 1;
    }
    char *code = NULL;
    size_t len = 0;
    if (pt2c_program_render(prog, PT2C_VIEW_CODE, &code, &len, &err) == PT2C_OK) {
        fwrite(code, 1, len, stdout);
        pt2c_free(prog, code);
    }
    size_t n = pt2c_program_n_tensors(prog, PT2C_TENSORS_STATE_DICT);
    for (size_t i = 0; i < n; i++) {
        pt2c_tensor_info t;
        if (pt2c_program_tensor(prog, PT2C_TENSORS_STATE_DICT, i, &t, &err) != PT2C_OK)
            break;
        printf("%s: %s, rank %d\n", t.name, pt2c_dtype_name(t.dtype), (int)t.rank);
    }
    pt2c_program_close(prog);
    return 0;
}
