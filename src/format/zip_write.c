/* zip_write.c - ZIP writer for .pt2 archives (see zip_write.h). */
#include "format/zip_write.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

enum {
    LOCAL_HEADER = 30,
    CENTRAL_HEADER = 46,
    ZIP64_END = 56,
    ZIP64_LOCATOR = 20,
    END_RECORD = 22,
    PAD_EXTRA_ID = 0x4246, /* "FB": PyTorch's padding field */
    ZIP64_EXTRA_ID = 0x0001,
    FLAG_UTF8 = 0x0800,
    VERSION_ZIP64 = 45
};

static const uint64_t U32_MAX = 0xFFFFFFFFu;

static void put16(uint8_t **p, uint64_t v) {
    (*p)[0] = (uint8_t)v;
    (*p)[1] = (uint8_t)(v >> 8);
    *p += 2;
}
static void put32(uint8_t **p, uint64_t v) {
    for (int i = 0; i < 4; i++)
        (*p)[i] = (uint8_t)(v >> (8 * i));
    *p += 4;
}
static void put64(uint8_t **p, uint64_t v) {
    for (int i = 0; i < 8; i++)
        (*p)[i] = (uint8_t)(v >> (8 * i));
    *p += 8;
}

void pt2c_zip_writer_init(pt2c_zip_writer *w, pt2c_arena *arena, const char *where) {
    memset(w, 0, sizeof *w);
    w->arena = arena;
    w->where = where ? where : "<zip>";
    pt2c_strmap_init(&w->names, arena);
}

/* Grow an arena array to hold one more element. Arena memory is never given back: the
 * doubling wastes at most as much as the final array, and headers are small. */
static bool grow(pt2c_arena *arena, void **array, size_t *cap, size_t n, size_t elem) {
    if (n < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 16;
    void *bigger = pt2c_arena_array(arena, new_cap, elem, 16);
    if (!bigger)
        return false;
    if (*array && n)
        memcpy(bigger, *array, n * elem);
    *array = bigger;
    *cap = new_cap;
    return true;
}

static pt2c_status push_chunk(pt2c_zip_writer *w, const void *data, size_t size, pt2c_error *err) {
    if (size == 0)
        return PT2C_OK;
    if (w->n_chunks == w->cap_chunks) {
        size_t cap = w->cap_chunks;
        void *d = (void *)w->chunk_data, *s = w->chunk_size;
        PT2C_CHECK(grow(w->arena, &d, &cap, w->n_chunks, sizeof *w->chunk_data), err,
                   PT2C_ERR_NOMEM, "zip: %s: out of memory", w->where);
        cap = w->cap_chunks;
        PT2C_CHECK(grow(w->arena, &s, &cap, w->n_chunks, sizeof *w->chunk_size), err,
                   PT2C_ERR_NOMEM, "zip: %s: out of memory", w->where);
        w->chunk_data = d;
        w->chunk_size = s;
        w->cap_chunks = cap;
    }
    w->chunk_data[w->n_chunks] = data;
    w->chunk_size[w->n_chunks] = size;
    w->n_chunks++;
    w->offset += size;
    return PT2C_OK;
}

static uint32_t crc_of(const void *data, uint64_t size) {
    uLong crc = crc32(0L, Z_NULL, 0);
    const uint8_t *p = data;
    while (size > 0) {
        uInt n = size > (1u << 30) ? (1u << 30) : (uInt)size;
        crc = crc32(crc, p, n);
        p += n;
        size -= n;
    }
    return (uint32_t)crc;
}

pt2c_status pt2c_zip_writer_add(pt2c_zip_writer *w, const char *name, const void *data,
                                uint64_t size, pt2c_error *err) {
    PT2C_CHECK(!w->finished, err, PT2C_ERR_INTERNAL, "zip: %s: entry '%s' added after finish",
               w->where, name);
    size_t nlen = strlen(name);
    PT2C_CHECK(nlen > 0 && nlen <= 0xFFFF, err, PT2C_ERR_ARG,
               "zip: %s: entry name of %zu bytes (expected 1 to 65535)", w->where, nlen);
    PT2C_CHECK(data || size == 0, err, PT2C_ERR_ARG, "zip: %s: entry '%s' has no data", w->where,
               name);
    PT2C_CHECK(size <= SIZE_MAX, err, PT2C_ERR_LIMIT, "zip: %s: entry '%s' is too large", w->where,
               name);
    int64_t dup;
    PT2C_CHECK(!pt2c_strmap_get(&w->names, name, &dup), err, PT2C_ERR_ARG,
               "zip: %s: duplicate entry name '%s'", w->where, name);

    uint64_t local = w->offset;
    bool zip64 = w->force_zip64 || size >= U32_MAX || local >= U32_MAX;
    /* The data starts after the header, the name, the zip64 field and the padding field's
     * own 4 bytes; the padding brings it to the next multiple of 64. */
    uint64_t start = local + LOCAL_HEADER + nlen + (zip64 ? 20 : 0) + 4;
    size_t pad = (size_t)((PT2C_ZIP_ALIGNMENT - start % PT2C_ZIP_ALIGNMENT) % PT2C_ZIP_ALIGNMENT);
    size_t header = LOCAL_HEADER + nlen + (zip64 ? 20 : 0) + 4 + pad;
    uint8_t *h = pt2c_arena_alloc(w->arena, header, 8);
    char *copy = pt2c_arena_strdup(w->arena, name);
    size_t cap = w->cap_entries;
    void *entries = w->entries;
    PT2C_CHECK(h && copy && grow(w->arena, &entries, &cap, w->n_entries, sizeof *w->entries), err,
               PT2C_ERR_NOMEM, "zip: %s: out of memory", w->where);
    w->entries = entries;
    w->cap_entries = cap;
    PT2C_CHECK(pt2c_strmap_put(&w->names, copy, (int64_t)w->n_entries) == PT2C_OK, err,
               PT2C_ERR_NOMEM, "zip: %s: out of memory", w->where);

    uint32_t crc = crc_of(data, size);
    uint8_t *p = h;
    put32(&p, 0x04034b50u);
    put16(&p, zip64 ? VERSION_ZIP64 : 0);
    put16(&p, FLAG_UTF8);
    put16(&p, 0); /* stored */
    put16(&p, 0); /* time: PyTorch writes 0 */
    put16(&p, 0); /* date */
    put32(&p, crc);
    put32(&p, zip64 ? U32_MAX : size);
    put32(&p, zip64 ? U32_MAX : size);
    put16(&p, nlen);
    put16(&p, (zip64 ? 20 : 0) + 4 + pad);
    memcpy(p, name, nlen);
    p += nlen;
    if (zip64) {
        put16(&p, ZIP64_EXTRA_ID);
        put16(&p, 16);
        put64(&p, size); /* uncompressed */
        put64(&p, size); /* compressed */
    }
    put16(&p, PAD_EXTRA_ID);
    put16(&p, pad);
    memset(p, 'Z', pad);

    w->entries[w->n_entries++] = (pt2c_zip_written){copy, local, size, crc, zip64};
    PT2C_TRY(push_chunk(w, h, header, err));
    PT2C_ASSERT(w->offset % PT2C_ZIP_ALIGNMENT == 0);
    return push_chunk(w, data, (size_t)size, err);
}

void pt2c_zip_writer_serialization_id(const pt2c_zip_writer *w, char out[41]) {
    uint64_t names = 14695981039346656037ull, crcs = 0;
    for (size_t i = 0; i < w->n_entries; i++) {
        for (const char *c = w->entries[i].name; *c; c++)
            names = (names ^ (uint8_t)*c) * 1099511628211ull;
        crcs = crcs * 1000003ull + w->entries[i].crc32;
    }
    snprintf(out, 41, "%020llu%020llu", (unsigned long long)names, (unsigned long long)crcs);
}

pt2c_status pt2c_zip_writer_finish(pt2c_zip_writer *w, pt2c_error *err) {
    PT2C_CHECK(!w->finished, err, PT2C_ERR_INTERNAL, "zip: %s: finished twice", w->where);
    uint64_t cd_size = 0;
    for (size_t i = 0; i < w->n_entries; i++)
        cd_size += CENTRAL_HEADER + strlen(w->entries[i].name) + (w->entries[i].zip64 ? 28 : 0);
    PT2C_CHECK(cd_size <= SIZE_MAX - ZIP64_END - ZIP64_LOCATOR - END_RECORD, err, PT2C_ERR_LIMIT,
               "zip: %s: central directory too large", w->where);
    size_t total = (size_t)cd_size + ZIP64_END + ZIP64_LOCATOR + END_RECORD;
    uint8_t *buf = pt2c_arena_alloc(w->arena, total, 8);
    PT2C_CHECK(buf, err, PT2C_ERR_NOMEM, "zip: %s: out of memory", w->where);
    uint64_t cd_off = w->offset;
    uint8_t *p = buf;
    for (size_t i = 0; i < w->n_entries; i++) {
        const pt2c_zip_written *e = &w->entries[i];
        size_t nlen = strlen(e->name);
        put32(&p, 0x02014b50u);
        put16(&p, e->zip64 ? VERSION_ZIP64 : 0); /* made by */
        put16(&p, e->zip64 ? VERSION_ZIP64 : 0); /* needed */
        put16(&p, FLAG_UTF8);
        put16(&p, 0); /* stored */
        put16(&p, 0);
        put16(&p, 0);
        put32(&p, e->crc32);
        put32(&p, e->zip64 ? U32_MAX : e->size);
        put32(&p, e->zip64 ? U32_MAX : e->size);
        put16(&p, nlen);
        put16(&p, e->zip64 ? 28 : 0);
        put16(&p, 0); /* comment */
        put16(&p, 0); /* disk */
        put16(&p, 0); /* internal attributes */
        put32(&p, 0); /* external attributes */
        put32(&p, e->zip64 ? U32_MAX : e->local_offset);
        memcpy(p, e->name, nlen);
        p += nlen;
        if (e->zip64) {
            /* Every 32-bit field above is 0xFFFFFFFF, so all three follow, in this order. */
            put16(&p, ZIP64_EXTRA_ID);
            put16(&p, 24);
            put64(&p, e->size);
            put64(&p, e->size);
            put64(&p, e->local_offset);
        }
    }
    uint64_t z64_off = cd_off + cd_size;
    uint64_t n = w->n_entries;
    /* PyTorch's writer always adds the zip64 end record and locator; readers that look for
     * them (pt2c's, miniz) then take 64-bit counts and offsets from there. */
    put32(&p, 0x06064b50u);
    put64(&p, ZIP64_END - 12); /* size of the rest of the record */
    put16(&p, VERSION_ZIP64);
    put16(&p, VERSION_ZIP64);
    put32(&p, 0);
    put32(&p, 0);
    put64(&p, n);
    put64(&p, n);
    put64(&p, cd_size);
    put64(&p, cd_off);
    put32(&p, 0x07064b50u);
    put32(&p, 0);
    put64(&p, z64_off);
    put32(&p, 1);
    put32(&p, 0x06054b50u);
    put16(&p, 0);
    put16(&p, 0);
    put16(&p, n >= 0xFFFF ? 0xFFFF : n);
    put16(&p, n >= 0xFFFF ? 0xFFFF : n);
    put32(&p, cd_size >= U32_MAX ? U32_MAX : cd_size);
    put32(&p, cd_off >= U32_MAX ? U32_MAX : cd_off);
    put16(&p, 0);
    PT2C_ASSERT((size_t)(p - buf) == total);
    PT2C_TRY(push_chunk(w, buf, total, err));
    w->finished = true;
    return PT2C_OK;
}

pt2c_status pt2c_zip_writer_save(const pt2c_zip_writer *w, const char *path, pt2c_error *err) {
    PT2C_CHECK(w->finished, err, PT2C_ERR_INTERNAL, "zip: %s: saved before finish", w->where);
    return pt2c_file_write_atomic(path, w->chunk_data, w->chunk_size, w->n_chunks, err);
}

uint64_t pt2c_zip_writer_size(const pt2c_zip_writer *w) { return w->offset; }

void pt2c_zip_writer_copy(const pt2c_zip_writer *w, uint8_t *out) {
    for (size_t i = 0; i < w->n_chunks; i++) {
        memcpy(out, w->chunk_data[i], w->chunk_size[i]);
        out += w->chunk_size[i];
    }
}
