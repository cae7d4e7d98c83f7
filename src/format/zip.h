/*
 * zip.h - read-only ZIP reader for .pt2 archives and the torch.save files inside them.
 *
 * Layouts it must read (see docs/pt2-format.md in shared docs, section 2):
 *   - PyTorchStreamWriter zips: every entry stored, data 64-byte aligned through a 0x4246
 *     ("FB") local extra field, flag 0x0808 with zero sizes/CRC in local headers (sizes come
 *     from the central directory), a zip64 end record always present.
 *   - Python zipfile zips (legacy outer .pt2): stored, no alignment, real local sizes.
 *   - Any entry may be deflated (method 8) if a user re-zipped the file; zip64 extra fields
 *     (0x0001) for sizes/offsets >= 4 GiB.
 *
 * The reader never copies stored entries: their bytes are views into the caller's buffer
 * (usually an mmap of the file, or a sub-range of it for nested zips). Deflated entries are
 * inflated with zlib into the arena passed to pt2c_zip_read.
 *
 * Example:
 *     pt2c_zip zip;
 *     PT2C_TRY(pt2c_zip_open(map.data, map.size, &arena, &limits, &zip, err));
 *     const pt2c_zip_entry *e = pt2c_zip_find(&zip, "archive/data.pkl");
 *     const uint8_t *bytes; uint64_t n;
 *     PT2C_TRY(pt2c_zip_read(&zip, e, &arena, &bytes, &n, err));
 *
 * Every offset and size read from the file is bounds-checked with overflow-safe arithmetic;
 * errors say "zip: <entry or structure> ...: expected ..., found ...".
 */
#ifndef PT2C_ZIP_H
#define PT2C_ZIP_H

#include "util/util.h"

typedef struct pt2c_zip_entry {
    const char *name;     /* arena copy of the entry name */
    uint64_t data_offset; /* offset of the entry's (compressed) bytes in the buffer */
    uint64_t comp_size;   /* bytes stored in the archive */
    uint64_t size;        /* bytes once inflated */
    uint32_t crc32;       /* from the central directory (may be 0: not checked) */
    uint16_t method;      /* 0 stored, 8 deflated */
} pt2c_zip_entry;

typedef struct pt2c_zip {
    const uint8_t *data; /* borrowed: the whole zip */
    uint64_t size;
    pt2c_zip_entry *entries; /* arena, n_entries, central directory order */
    int64_t n_entries;
    pt2c_strmap by_name;     /* name -> index */
    pt2c_limits limits;      /* resolved limits */
    uint64_t inflated_total; /* bytes inflated so far, checked against max_inflated_bytes */
} pt2c_zip;

/* Parse the central directory of the zip in data[0..size). data must outlive the zip.
 * All memory comes from arena. */
pt2c_status pt2c_zip_open(const uint8_t *data, uint64_t size, pt2c_arena *arena,
                          const pt2c_limits *limits, pt2c_zip *out, pt2c_error *err);

/* Entry by exact name, NULL if absent. */
const pt2c_zip_entry *pt2c_zip_find(const pt2c_zip *zip, const char *name);

/* The entry's bytes: a view into the zip's buffer when stored, otherwise inflated into arena
 * (64-byte aligned). Errors on unsupported methods, truncation, or a size mismatch. */
pt2c_status pt2c_zip_read(pt2c_zip *zip, const pt2c_zip_entry *entry, pt2c_arena *arena,
                          const uint8_t **out, uint64_t *out_size, pt2c_error *err);

#endif /* PT2C_ZIP_H */
