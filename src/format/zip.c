/* zip.c - read-only ZIP reader (see zip.h). */
#include "format/zip.h"

#include <string.h>
#include <zlib.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32); }

/* true when [off, off + len) lies inside [0, size). */
static bool in_range(uint64_t off, uint64_t len, uint64_t size) {
    uint64_t end;
    return pt2c_add_u64(off, len, &end) && end <= size;
}

static pt2c_status find_eocd(const uint8_t *data, uint64_t size, uint64_t *cd_off,
                             uint64_t *cd_size, uint64_t *n_entries, pt2c_error *err) {
    if (size < 22)
        return pt2c_error_set(err, PT2C_ERR_FORMAT,
                              "zip: no end of central directory record (not a zip file?)");
    uint64_t lo = size > 65557 ? size - 65557 : 0;
    uint64_t pos = size - 22;
    for (;;) {
        if (rd32(data + pos) == 0x06054b50u)
            break;
        if (pos == lo)
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: no end of central directory record (not a zip file?)");
        pos--;
    }
    const uint8_t *e = data + pos;
    *n_entries = rd16(e + 10);
    *cd_size = rd32(e + 12);
    *cd_off = rd32(e + 16);
    /* A zip64 locator right before the EOCD points at the zip64 end record. */
    if (pos >= 20 && rd32(data + pos - 20) == 0x07064b50u) {
        uint64_t z = rd64(data + pos - 20 + 8);
        if (!in_range(z, 56, size) || rd32(data + z) != 0x06064b50u)
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: zip64 end record offset %llu is invalid (file size %llu)",
                                  (unsigned long long)z, (unsigned long long)size);
        *n_entries = rd64(data + z + 32);
        *cd_size = rd64(data + z + 40);
        *cd_off = rd64(data + z + 48);
    }
    if (!in_range(*cd_off, *cd_size, size))
        return pt2c_error_set(
            err, PT2C_ERR_FORMAT,
            "zip: central directory [%llu, +%llu) is outside the file (size %llu)",
            (unsigned long long)*cd_off, (unsigned long long)*cd_size, (unsigned long long)size);
    return PT2C_OK;
}

pt2c_status pt2c_zip_open(const uint8_t *data, uint64_t size, pt2c_arena *arena,
                          const pt2c_limits *limits, pt2c_zip *out, pt2c_error *err) {
    memset(out, 0, sizeof *out);
    out->data = data;
    out->size = size;
    out->limits = pt2c_limits_resolve(limits);
    if (!data && size)
        return pt2c_error_set(err, PT2C_ERR_ARG, "zip: NULL buffer");
    uint64_t cd_off = 0, cd_size = 0, n = 0;
    PT2C_TRY(find_eocd(data, size, &cd_off, &cd_size, &n, err));
    if (n > out->limits.max_entries)
        return pt2c_error_set(err, PT2C_ERR_LIMIT, "zip: %llu entries, limit is %llu",
                              (unsigned long long)n, (unsigned long long)out->limits.max_entries);
    /* Each central entry takes at least 46 bytes: bounds n before allocating. */
    if (n > cd_size / 46)
        return pt2c_error_set(err, PT2C_ERR_FORMAT,
                              "zip: %llu entries cannot fit in a %llu-byte central directory",
                              (unsigned long long)n, (unsigned long long)cd_size);
    out->entries = PT2C_ARENA_ARRAY(arena, pt2c_zip_entry, n ? n : 1);
    if (!out->entries)
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "zip: out of memory for %llu entries",
                              (unsigned long long)n);
    pt2c_strmap_init(&out->by_name, arena);
    uint64_t p = cd_off, cd_end = cd_off + cd_size;
    for (uint64_t i = 0; i < n; i++) {
        if (!in_range(p, 46, cd_end) || rd32(data + p) != 0x02014b50u)
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: central directory entry %llu at offset %llu is invalid",
                                  (unsigned long long)i, (unsigned long long)p);
        const uint8_t *c = data + p;
        uint16_t flags = rd16(c + 8), method = rd16(c + 10);
        uint32_t crc = rd32(c + 16);
        uint64_t comp = rd32(c + 20), usize = rd32(c + 24);
        uint16_t nlen = rd16(c + 28), xlen = rd16(c + 30), clen = rd16(c + 32);
        uint64_t loff = rd32(c + 42);
        uint64_t var = (uint64_t)nlen + xlen + clen;
        if (!in_range(p + 46, var, cd_end))
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: central directory entry %llu runs past the directory",
                                  (unsigned long long)i);
        const char *raw = (const char *)c + 46;
        if (memchr(raw, 0, nlen))
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: entry %llu has a NUL byte in its name",
                                  (unsigned long long)i);
        char *name = pt2c_arena_strndup(arena, raw, nlen);
        if (!name)
            return pt2c_error_set(err, PT2C_ERR_NOMEM, "zip: out of memory");
        /* zip64 extra: fields present only for 0xFFFFFFFF values, in this order. */
        const uint8_t *x = c + 46 + nlen, *xe = x + xlen;
        while (xe - x >= 4) {
            uint16_t id = rd16(x), len = rd16(x + 2);
            if (len > xe - x - 4)
                break;
            if (id == 0x0001) {
                const uint8_t *f = x + 4, *fe = f + len;
                uint64_t *fields[3] = {&usize, &comp, &loff};
                for (int k = 0; k < 3; k++) {
                    if (*fields[k] != 0xFFFFFFFFu)
                        continue;
                    if (fe - f < 8)
                        return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                              "zip: entry '%s': zip64 extra field too short", name);
                    *fields[k] = rd64(f);
                    f += 8;
                }
            }
            x += 4 + len;
        }
        if (flags & 1)
            return pt2c_error_set(err, PT2C_ERR_UNSUPPORTED, "zip: entry '%s' is encrypted", name);
        if (method == 0 && comp != usize)
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: stored entry '%s': compressed size %llu != size %llu", name,
                                  (unsigned long long)comp, (unsigned long long)usize);
        if (!in_range(loff, 30, size) || rd32(data + loff) != 0x04034b50u)
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: entry '%s': no local header at offset %llu (size %llu)",
                                  name, (unsigned long long)loff, (unsigned long long)size);
        uint64_t doff = loff + 30 + rd16(data + loff + 26) + rd16(data + loff + 28);
        if (!in_range(doff, comp, size))
            return pt2c_error_set(err, PT2C_ERR_FORMAT,
                                  "zip: entry '%s': data range [%llu, %llu) is outside the file "
                                  "(size %llu)",
                                  name, (unsigned long long)doff,
                                  (unsigned long long)(doff + (comp > size ? size : comp)),
                                  (unsigned long long)size);
        int64_t prev;
        if (pt2c_strmap_get(&out->by_name, name, &prev))
            return pt2c_error_set(err, PT2C_ERR_FORMAT, "zip: duplicate entry name '%s'", name);
        if (pt2c_strmap_put(&out->by_name, name, (int64_t)i) != PT2C_OK)
            return pt2c_error_set(err, PT2C_ERR_NOMEM, "zip: out of memory");
        out->entries[i] = (pt2c_zip_entry){name, doff, comp, usize, crc, method};
        p += 46 + var;
    }
    out->n_entries = (int64_t)n;
    return PT2C_OK;
}

const pt2c_zip_entry *pt2c_zip_find(const pt2c_zip *zip, const char *name) {
    int64_t i;
    if (!zip || !name || !pt2c_strmap_get(&zip->by_name, name, &i))
        return NULL;
    return &zip->entries[i];
}

pt2c_status pt2c_zip_read(pt2c_zip *zip, const pt2c_zip_entry *e, pt2c_arena *arena,
                          const uint8_t **out, uint64_t *out_size, pt2c_error *err) {
    if (e->method == 0) {
        *out = zip->data + e->data_offset;
        *out_size = e->size;
        return PT2C_OK;
    }
    if (e->method != 8)
        return pt2c_error_set(err, PT2C_ERR_UNSUPPORTED,
                              "zip: entry '%s': compression method %u is not supported "
                              "(expected 0 stored or 8 deflate)",
                              e->name, (unsigned)e->method);
    uint64_t total;
    if (!pt2c_add_u64(zip->inflated_total, e->size, &total) ||
        total > zip->limits.max_inflated_bytes || e->size > SIZE_MAX - 1)
        return pt2c_error_set(err, PT2C_ERR_LIMIT,
                              "zip: entry '%s': inflating %llu bytes exceeds the limit of %llu",
                              e->name, (unsigned long long)e->size,
                              (unsigned long long)zip->limits.max_inflated_bytes);
    /* Deflate expands at most 1032:1; a larger declared size is corruption, and checking it
     * first keeps a damaged header from reserving gigabytes. */
    uint64_t max_size;
    if (pt2c_mul_u64(e->comp_size, 1032, &max_size) && e->size > max_size + 1024)
        return pt2c_error_set(err, PT2C_ERR_FORMAT,
                              "zip: entry '%s': declared size %llu cannot come from %llu "
                              "deflated bytes",
                              e->name, (unsigned long long)e->size,
                              (unsigned long long)e->comp_size);
    uint8_t *buf = pt2c_arena_alloc(arena, (size_t)e->size + 1, 64);
    if (!buf)
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "zip: entry '%s': out of memory for %llu bytes",
                              e->name, (unsigned long long)e->size);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
        return pt2c_error_set(err, PT2C_ERR_NOMEM, "zip: entry '%s': inflateInit failed", e->name);
    /* Feed and drain in chunks that fit zlib's 32-bit counters; one spare output byte
     * catches streams that produce more than the declared size. */
    const uint8_t *in = zip->data + e->data_offset;
    uint64_t in_left = e->comp_size, out_done = 0, out_cap = e->size + 1;
    int rc = Z_OK;
    while (rc == Z_OK) {
        if (zs.avail_in == 0 && in_left) {
            uInt chunk = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;
            zs.next_in = (Bytef *)(uintptr_t)in;
            zs.avail_in = chunk;
            in += chunk;
            in_left -= chunk;
        }
        uint64_t room = out_cap - out_done;
        uInt ochunk = room > (1u << 30) ? (1u << 30) : (uInt)room;
        zs.next_out = buf + out_done;
        zs.avail_out = ochunk;
        rc = inflate(&zs, Z_NO_FLUSH);
        out_done += ochunk - zs.avail_out;
        if (out_done > e->size)
            break;
        if (rc == Z_BUF_ERROR && zs.avail_in == 0 && in_left == 0)
            break;
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END || out_done != e->size)
        return pt2c_error_set(err, PT2C_ERR_FORMAT,
                              "zip: entry '%s': deflate stream %s after %llu bytes, expected %llu",
                              e->name,
                              rc == Z_STREAM_END   ? "ended"
                              : out_done > e->size ? "continues"
                                                   : "is truncated or corrupt",
                              (unsigned long long)out_done, (unsigned long long)e->size);
    zip->inflated_total = total;
    *out = buf;
    *out_size = e->size;
    return PT2C_OK;
}
