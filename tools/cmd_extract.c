/* cmd_extract.c - `pt2c extract MODEL.pt2 DIR`: every weight, constant and sample input as
 * a .npy file. */
#include "cli.h"

#include <stdio.h>

static const char extract_help[] =
    "  extract MODEL.pt2 DIR      write DIR/<fqn>.npy for every weight, buffer and constant,\n"
    "                             and DIR/sample_inputs/<input>.npy for each sample input\n";

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
            return pt2c_cli_fail(model, &err);
        char file[1024], path[4096];
        file_name_for(t.name, file, sizeof file);
        snprintf(path, sizeof path, "%s/%s", dir, file);
        if (pt2c_tensor_write_npy(&t, path, &err) != PT2C_OK)
            return pt2c_cli_fail(model, &err);
        (*count)++;
    }
    return 0;
}

static int extract_main(int argc, char **argv) {
    if (argc != 2)
        return pt2c_cli_usage_error("extract: expected MODEL.pt2 DIR");
    const char *model = argv[0], *dir = argv[1];
    pt2c_program *prog = NULL;
    int rc = pt2c_cli_open_program(model, &prog);
    if (rc)
        return rc;
    size_t count = 0;
    char inputs_dir[4096];
    snprintf(inputs_dir, sizeof inputs_dir, "%s/sample_inputs", dir);
    rc = pt2c_cli_make_dir(dir);
    if (!rc)
        rc = extract_set(model, prog, PT2C_TENSORS_STATE_DICT, dir, &count);
    if (!rc)
        rc = extract_set(model, prog, PT2C_TENSORS_CONSTANTS, dir, &count);
    if (!rc && pt2c_program_n_tensors(prog, PT2C_TENSORS_SAMPLE_INPUTS) > 0) {
        rc = pt2c_cli_make_dir(inputs_dir);
        if (!rc)
            rc = extract_set(model, prog, PT2C_TENSORS_SAMPLE_INPUTS, inputs_dir, &count);
    }
    if (!rc)
        printf("wrote %zu tensors to %s\n", count, dir);
    pt2c_program_close(prog);
    return rc;
}

const pt2c_cli_verb pt2c_cmd_extract = {"extract", "extract MODEL.pt2 DIR", extract_help,
                                        extract_main};
