/* fuzz_export_json.c - libFuzzer target: Export IR JSON text to the program IR. */
#include "format/export_json.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pt2c_arena arena;
    pt2c_arena_init(&arena, pt2c_default_allocator());
    pt2c_exported_program ep;
    pt2c_error err;
    pt2c_error_clear(&err);
    (void)pt2c_export_json_parse((const char *)data, size, "fuzz", &arena, NULL, &ep, &err);
    pt2c_arena_deinit(&arena);
    return 0;
}
