/* program.c - the public program API: open, close, save, tensors. Views are in
 * views/render.c. */
#include "api/program.h"

#include <string.h>

/* Shared by both openers: bytes come from a mapping of path, or from the caller. */
static pt2c_status open_common(const char *path, const void *data, size_t size,
                               const pt2c_open_options *opts, pt2c_program **out, pt2c_error *err) {
    pt2c_error_clear(err);
    if (!path || !out)
        return pt2c_error_set(err, PT2C_ERR_ARG, "open: path and out are required");
    *out = NULL;
    const pt2c_allocator *allocator =
        opts && opts->allocator ? opts->allocator : pt2c_default_allocator();
    pt2c_program *prog = pt2c_alloc(allocator, sizeof *prog);
    if (!prog)
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "open: out of memory");
    memset(prog, 0, sizeof *prog);
    prog->allocator = allocator;
    prog->limits = pt2c_limits_resolve(opts ? opts->limits : NULL);
    pt2c_arena_init(&prog->arena, allocator);
    prog->path = pt2c_arena_strdup(&prog->arena, path);
    pt2c_status st =
        prog->path ? PT2C_OK : pt2c_error_set(err, PT2C_ERR_NOMEM, "open: out of memory");
    if (st == PT2C_OK && data) {
        prog->file.data = size ? data : NULL;
        prog->file.size = size;
        prog->file_borrowed = true;
    } else if (st == PT2C_OK) {
        st = pt2c_file_map(path, &prog->file, err);
    }
    if (st == PT2C_OK)
        st = pt2c_pt2_load(prog, opts ? opts->model_name : NULL, err);
    if (st != PT2C_OK) {
        pt2c_program_close(prog);
        return st;
    }
    *out = prog;
    return PT2C_OK;
}

pt2c_status pt2c_program_open(const char *path, const pt2c_open_options *opts, pt2c_program **out,
                              pt2c_error *err) {
    return open_common(path, NULL, 0, opts, out, err);
}

pt2c_status pt2c_program_open_memory(const void *data, size_t size, const char *name,
                                     const pt2c_open_options *opts, pt2c_program **out,
                                     pt2c_error *err) {
    if (!data && size) {
        pt2c_error_clear(err);
        return pt2c_error_set(err, PT2C_ERR_ARG, "open: data is NULL but size is %zu", size);
    }
    static const uint8_t empty[1] = {0};
    return open_common(name ? name : "<memory>", data ? data : empty, size, opts, out, err);
}

void pt2c_program_close(pt2c_program *prog) {
    if (!prog)
        return;
    if (!prog->file_borrowed)
        pt2c_file_unmap(&prog->file);
    pt2c_arena_deinit(&prog->arena);
    pt2c_dealloc(prog->allocator, prog, sizeof *prog);
}

pt2c_status pt2c_program_save(const pt2c_program *prog, const char *path, pt2c_error *err) {
    pt2c_error_clear(err);
    PT2C_CHECK(prog && path && path[0], err, PT2C_ERR_ARG,
               "save: a program and a path are required");
    return pt2c_pt2_save(prog, path, err);
}

void pt2c_free(const pt2c_program *prog, void *ptr) {
    /* Rendered text is allocated by the program's allocator; its size is not tracked. */
    pt2c_dealloc(prog ? prog->allocator : NULL, ptr, 0);
}

static const pt2c_tensor_data *tensor_set(const pt2c_program *prog, pt2c_tensor_set set,
                                          int64_t *n) {
    switch (set) {
    case PT2C_TENSORS_STATE_DICT:
        *n = prog->n_state_dict;
        return prog->state_dict;
    case PT2C_TENSORS_CONSTANTS:
        *n = prog->n_constants;
        return prog->constants;
    case PT2C_TENSORS_SAMPLE_INPUTS:
        *n = prog->n_sample_inputs;
        return prog->sample_inputs;
    }
    *n = 0;
    return NULL;
}

size_t pt2c_program_n_tensors(const pt2c_program *prog, pt2c_tensor_set set) {
    int64_t n = 0;
    if (prog)
        tensor_set(prog, set, &n);
    return (size_t)n;
}

pt2c_status pt2c_program_tensor(const pt2c_program *prog, pt2c_tensor_set set, size_t index,
                                pt2c_tensor_info *out, pt2c_error *err) {
    pt2c_error_clear(err);
    int64_t n = 0;
    const pt2c_tensor_data *tensors = prog ? tensor_set(prog, set, &n) : NULL;
    PT2C_CHECK(tensors && index < (size_t)n, err, PT2C_ERR_ARG,
               "tensor: index %zu out of range (%lld tensors)", index, (long long)n);
    const pt2c_tensor_data *t = &tensors[index];
    memset(out, 0, sizeof *out);
    out->name = t->name;
    out->dtype = t->dtype;
    out->rank = t->rank;
    out->sizes = t->sizes;
    out->strides = t->strides;
    out->storage_offset = t->storage_offset;
    out->storage = t->storage;
    out->storage_bytes = t->storage_bytes;
    out->is_param = t->is_param;
    out->requires_grad = t->requires_grad;
    return PT2C_OK;
}
