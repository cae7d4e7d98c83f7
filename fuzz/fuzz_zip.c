/* fuzz_zip.c - libFuzzer target: the zip reader (central directory, zip64, local headers,
 * stored and deflated entries) on arbitrary bytes. Every entry is read in full. */
#include "format/zip.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    pt2c_arena arena;
    pt2c_arena_init(&arena, pt2c_default_allocator());
    pt2c_limits lim = {0};
    lim.max_inflated_bytes = 64u << 20; /* keep each input's memory small */
    pt2c_zip zip;
    pt2c_error err;
    pt2c_error_clear(&err);
    if (pt2c_zip_open(data, size, &arena, &lim, &zip, &err) == PT2C_OK) {
        for (int64_t i = 0; i < zip.n_entries; i++) {
            const uint8_t *d;
            uint64_t n;
            pt2c_error e2;
            pt2c_error_clear(&e2);
            (void)pt2c_zip_read(&zip, &zip.entries[i], &arena, &d, &n, &e2);
        }
    }
    pt2c_arena_deinit(&arena);
    return 0;
}
