/*
 * zip_write.h - write a ZIP archive the way PyTorch's writer lays it out: every entry
 * stored (method 0), its data 64-byte aligned in the file through padding in a local
 * header extra field with ID 0x4246 ("FB") filled with 'Z', a zip64 end record and
 * locator always present, zip64 extended information (0x0001) on entries whose size or
 * offset does not fit 32 bits.
 *
 * One difference from PyTorch's streaming writer: sizes and CRCs are known before an
 * entry is written, so they go into the local header (flag 0x0800, UTF-8 names) instead of
 * a data descriptor after the data (flag 0x0808). Every reader takes both; pt2c's own
 * reader (zip.h) and torch's read sizes from the central directory.
 *
 * The archive is assembled as a list of chunks: headers live in the writer's arena, entry
 * data is borrowed (no copy of the weights). pt2c_zip_writer_save writes the chunks to a
 * temporary file and renames it into place.
 *
 * Example:
 *     pt2c_zip_writer w;
 *     pt2c_zip_writer_init(&w, &arena, "out.pt2");
 *     PT2C_TRY(pt2c_zip_writer_add(&w, "out/archive_format", "pt2", 3, err));
 *     PT2C_TRY(pt2c_zip_writer_finish(&w, err));
 *     PT2C_TRY(pt2c_zip_writer_save(&w, "out.pt2", err));
 */
#ifndef PT2C_ZIP_WRITE_H
#define PT2C_ZIP_WRITE_H

#include "util/util.h"

enum { PT2C_ZIP_ALIGNMENT = 64 }; /* data alignment of every entry, as torch's kFieldAlignment */

typedef struct pt2c_zip_written {
    const char *name;      /* borrowed (arena copy) */
    uint64_t local_offset; /* offset of the local header */
    uint64_t size;         /* bytes (stored: the same in the file) */
    uint32_t crc32;
    bool zip64; /* the entry carries zip64 extra fields */
} pt2c_zip_written;

typedef struct pt2c_zip_writer {
    pt2c_arena *arena;       /* borrowed: headers, names, the chunk list */
    const char *where;       /* output name for messages */
    const void **chunk_data; /* arena, n_chunks: borrowed bytes, written in order */
    size_t *chunk_size;
    size_t n_chunks, cap_chunks;
    pt2c_zip_written *entries; /* arena, n_entries, in write order */
    size_t n_entries, cap_entries;
    pt2c_strmap names; /* entry name -> index, to refuse duplicates */
    uint64_t offset;   /* bytes laid out so far */
    bool force_zip64;  /* zip64 extra fields on every entry (tests: > 4 GiB is slow) */
    bool finished;     /* central directory laid out; no more entries */
} pt2c_zip_writer;

void pt2c_zip_writer_init(pt2c_zip_writer *w, pt2c_arena *arena, const char *where);
/* Add a stored entry. data is borrowed until the archive is saved (or copied by the
 * caller); it may be NULL when size is 0. Names must be unique. */
pt2c_status pt2c_zip_writer_add(pt2c_zip_writer *w, const char *name, const void *data,
                                uint64_t size, pt2c_error *err);
/* 40 ASCII digits identifying the contents, as torch's .data/serialization_id: a hash of
 * the entry names so far, then one of their CRCs (20 digits each). out needs 41 bytes. */
void pt2c_zip_writer_serialization_id(const pt2c_zip_writer *w, char out[41]);
/* Lay out the central directory, the zip64 end record and locator, and the end record. */
pt2c_status pt2c_zip_writer_finish(pt2c_zip_writer *w, pt2c_error *err);
/* Write the finished archive to path atomically (temporary file, fsync, rename). */
pt2c_status pt2c_zip_writer_save(const pt2c_zip_writer *w, const char *path, pt2c_error *err);
/* Total size of the archive laid out so far (the whole file once finished). */
uint64_t pt2c_zip_writer_size(const pt2c_zip_writer *w);
/* Copy the archive laid out so far into out (pt2c_zip_writer_size bytes): tests read it
 * back in memory. */
void pt2c_zip_writer_copy(const pt2c_zip_writer *w, uint8_t *out);

#endif /* PT2C_ZIP_WRITE_H */
