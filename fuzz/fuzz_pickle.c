/* fuzz_pickle.c - libFuzzer target: the allowlisted unpickler on arbitrary bytes. */
#include "format/pickle.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pt2c_arena arena;
    pt2c_arena_init(&arena, pt2c_default_allocator());
    pt2c_pyobj *obj = NULL;
    pt2c_error err;
    pt2c_error_clear(&err);
    (void)pt2c_pickle_load(data, size, "fuzz", &arena, NULL, &obj, &err);
    pt2c_arena_deinit(&arena);
    return 0;
}
