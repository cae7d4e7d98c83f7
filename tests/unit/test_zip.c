/* test_zip.c - ZIP reader: an in-test zip builder, rejections, corruption loop, real files. */
#include "format/zip.h"
#include "harness.h"

#include <stdlib.h>
#include <zlib.h>

typedef struct zb {
    uint8_t buf[1 << 16];
    size_t n;
    uint8_t cd[1 << 14];
    size_t cdn;
    int count;
} zb;

static void put(uint8_t *b, size_t *n, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++)
        b[(*n)++] = (uint8_t)(v >> (8 * i));
}

/* Add an entry; method 8 deflates. pad64 adds an FB extra so data is 64-aligned. */
static void zb_add(zb *z, const char *name, const void *data, size_t len, int method, int pad64,
                   int bad_method) {
    uint8_t comp[4096];
    size_t clen = len;
    const uint8_t *payload = data;
    if (method == 8) {
        z_stream s;
        memset(&s, 0, sizeof s);
        deflateInit2(&s, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        s.next_in = (Bytef *)(uintptr_t)data;
        s.avail_in = (uInt)len;
        s.next_out = comp;
        s.avail_out = sizeof comp;
        deflate(&s, Z_FINISH);
        clen = s.total_out;
        deflateEnd(&s);
        payload = comp;
    }
    uint16_t nlen = (uint16_t)strlen(name);
    size_t loff = z->n;
    size_t xlen = 0;
    if (pad64) {
        size_t d = loff + 30 + nlen + 4;
        xlen = 4 + ((64 - d % 64) % 64);
    }
    uint16_t m = bad_method ? 12 : (uint16_t)method;
    put(z->buf, &z->n, 0x04034b50u, 4);
    put(z->buf, &z->n, 20, 2);
    put(z->buf, &z->n, pad64 ? 0x0808 : 0, 2);
    put(z->buf, &z->n, m, 2);
    put(z->buf, &z->n, 0, 4);
    put(z->buf, &z->n, 0, 4); /* crc */
    put(z->buf, &z->n, pad64 ? 0 : clen, 4);
    put(z->buf, &z->n, pad64 ? 0 : len, 4);
    put(z->buf, &z->n, nlen, 2);
    put(z->buf, &z->n, xlen, 2);
    memcpy(z->buf + z->n, name, nlen);
    z->n += nlen;
    if (xlen) {
        put(z->buf, &z->n, 0x4246, 2);
        put(z->buf, &z->n, xlen - 4, 2);
        memset(z->buf + z->n, 'Z', xlen - 4);
        z->n += xlen - 4;
    }
    memcpy(z->buf + z->n, payload, clen);
    z->n += clen;
    put(z->cd, &z->cdn, 0x02014b50u, 4);
    put(z->cd, &z->cdn, 20, 2);
    put(z->cd, &z->cdn, 20, 2);
    put(z->cd, &z->cdn, pad64 ? 0x0808 : 0, 2);
    put(z->cd, &z->cdn, m, 2);
    put(z->cd, &z->cdn, 0, 4);
    put(z->cd, &z->cdn, 0, 4);
    put(z->cd, &z->cdn, clen, 4);
    put(z->cd, &z->cdn, len, 4);
    put(z->cd, &z->cdn, nlen, 2);
    put(z->cd, &z->cdn, 0, 2);
    put(z->cd, &z->cdn, 0, 2);
    put(z->cd, &z->cdn, 0, 2);
    put(z->cd, &z->cdn, 0, 2);
    put(z->cd, &z->cdn, 0, 4);
    put(z->cd, &z->cdn, loff, 4);
    memcpy(z->cd + z->cdn, name, nlen);
    z->cdn += nlen;
    z->count++;
}

static void zb_finish(zb *z, int zip64) {
    size_t cd_off = z->n;
    memcpy(z->buf + z->n, z->cd, z->cdn);
    z->n += z->cdn;
    if (zip64) {
        size_t z64 = z->n;
        put(z->buf, &z->n, 0x06064b50u, 4);
        put(z->buf, &z->n, 44, 8);
        put(z->buf, &z->n, 45, 2);
        put(z->buf, &z->n, 45, 2);
        put(z->buf, &z->n, 0, 4);
        put(z->buf, &z->n, 0, 4);
        put(z->buf, &z->n, (uint64_t)z->count, 8);
        put(z->buf, &z->n, (uint64_t)z->count, 8);
        put(z->buf, &z->n, z->cdn, 8);
        put(z->buf, &z->n, cd_off, 8);
        put(z->buf, &z->n, 0x07064b50u, 4);
        put(z->buf, &z->n, 0, 4);
        put(z->buf, &z->n, z64, 8);
        put(z->buf, &z->n, 1, 4);
    }
    put(z->buf, &z->n, 0x06054b50u, 4);
    put(z->buf, &z->n, 0, 4);
    put(z->buf, &z->n, zip64 ? 0xFFFF : (unsigned)z->count, 2);
    put(z->buf, &z->n, zip64 ? 0xFFFF : (unsigned)z->count, 2);
    put(z->buf, &z->n, zip64 ? 0xFFFFFFFFu : z->cdn, 4);
    put(z->buf, &z->n, zip64 ? 0xFFFFFFFFu : cd_off, 4);
    put(z->buf, &z->n, 0, 2);
}

static const char text[] = "hello hello hello hello hello pt2c zip reader";

static zb *build(int pad, int zip64) {
    zb *z = calloc(1, sizeof *z);
    zb_add(z, "archive/data.pkl", text, sizeof text, 0, pad, 0);
    zb_add(z, "archive/deflated", text, sizeof text, 8, pad, 0);
    zb_finish(z, zip64);
    return z;
}

static void check_good(int pad, int zip64) {
    zb *z = build(pad, zip64);
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_zip zip;
    pt2c_error err;
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_zip_open(z->buf, z->n, &a, NULL, &zip, &err), PT2C_OK);
    EXPECT_EQ(zip.n_entries, 2);
    const pt2c_zip_entry *e = pt2c_zip_find(&zip, "archive/data.pkl");
    EXPECT_TRUE(e != NULL);
    EXPECT_TRUE(pt2c_zip_find(&zip, "nope") == NULL);
    const uint8_t *d;
    uint64_t n;
    if (e) {
        if (pad)
            EXPECT_EQ(e->data_offset % 64, 0);
        EXPECT_EQ(pt2c_zip_read(&zip, e, &a, &d, &n, &err), PT2C_OK);
        EXPECT_EQ(n, sizeof text);
        EXPECT_TRUE(d == z->buf + e->data_offset);
        EXPECT_TRUE(memcmp(d, text, sizeof text) == 0);
    }
    e = pt2c_zip_find(&zip, "archive/deflated");
    EXPECT_TRUE(e != NULL);
    if (e) {
        EXPECT_EQ(e->method, 8);
        EXPECT_EQ(pt2c_zip_read(&zip, e, &a, &d, &n, &err), PT2C_OK);
        EXPECT_EQ(n, sizeof text);
        EXPECT_EQ((uintptr_t)d % 64, 0);
        EXPECT_TRUE(memcmp(d, text, sizeof text) == 0);
    }
    pt2c_arena_deinit(&a);
    free(z);
}

TEST(reads_plain) { check_good(0, 0); }
TEST(reads_padded_zip64) { check_good(1, 1); }
TEST(reads_padded) { check_good(1, 0); }

static pt2c_status try_open(const uint8_t *buf, size_t n, const pt2c_limits *lim, char *msg) {
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_zip zip;
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_status st = pt2c_zip_open(buf, n, &a, lim, &zip, &err);
    if (st == PT2C_OK) {
        /* read every entry too: must not crash */
        for (int64_t i = 0; i < zip.n_entries; i++) {
            const uint8_t *d;
            uint64_t sz;
            pt2c_error e2;
            pt2c_error_clear(&e2);
            (void)pt2c_zip_read(&zip, &zip.entries[i], &a, &d, &sz, &e2);
        }
    }
    if (msg)
        snprintf(msg, 768, "%s", err.msg);
    pt2c_arena_deinit(&a);
    return st;
}

TEST(rejects) {
    char msg[768];
    zb *z = build(1, 1);
    EXPECT_TRUE(try_open(z->buf, 10, NULL, msg) != PT2C_OK);
    EXPECT_CONTAINS(msg, "no end of central directory");
    pt2c_limits lim = {0};
    lim.max_entries = 1;
    EXPECT_EQ(try_open(z->buf, z->n, &lim, msg), PT2C_ERR_LIMIT);
    /* corrupt the classic EOCD's directory offset is ignored in zip64; corrupt the locator */
    uint8_t *copy = malloc(z->n);
    memcpy(copy, z->buf, z->n);
    copy[z->n - 22 - 20 + 8] ^= 0x40;
    EXPECT_TRUE(try_open(copy, z->n, NULL, msg) != PT2C_OK);
    /* bad central dir offset in plain zip */
    zb *p = build(0, 0);
    memcpy(copy, p->buf, p->n);
    copy[p->n - 22 + 16 + 2] = 0x7f;
    EXPECT_TRUE(try_open(copy, p->n, NULL, msg) != PT2C_OK);
    EXPECT_CONTAINS(msg, "central directory");
    free(p);
    free(copy);
    free(z);
    /* duplicate names */
    z = calloc(1, sizeof *z);
    zb_add(z, "a", text, 4, 0, 0, 0);
    zb_add(z, "a", text, 4, 0, 0, 0);
    zb_finish(z, 0);
    EXPECT_TRUE(try_open(z->buf, z->n, NULL, msg) != PT2C_OK);
    EXPECT_CONTAINS(msg, "duplicate");
    free(z);
}

TEST(bad_method_and_limit) {
    zb *z = calloc(1, sizeof *z);
    zb_add(z, "archive/x", text, sizeof text, 0, 0, 1);
    zb_add(z, "archive/d", text, sizeof text, 8, 0, 0);
    zb_finish(z, 0);
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_zip zip;
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_limits lim = {0};
    lim.max_inflated_bytes = 10;
    EXPECT_EQ(pt2c_zip_open(z->buf, z->n, &a, &lim, &zip, &err), PT2C_OK);
    const uint8_t *d;
    uint64_t n;
    EXPECT_EQ(pt2c_zip_read(&zip, pt2c_zip_find(&zip, "archive/x"), &a, &d, &n, &err),
              PT2C_ERR_UNSUPPORTED);
    EXPECT_CONTAINS(err.msg, "archive/x");
    EXPECT_CONTAINS(err.msg, "method 12");
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_zip_read(&zip, pt2c_zip_find(&zip, "archive/d"), &a, &d, &n, &err),
              PT2C_ERR_LIMIT);
    pt2c_arena_deinit(&a);
    free(z);
}

/* Patch one field of the first central directory entry of a plain zip and expect an error. */
static void expect_cd_patch(size_t field, uint32_t value, int bytes, const char *needle) {
    zb *z = build(0, 0);
    size_t cd = z->n - 22 - z->cdn;
    size_t at = cd + field;
    put(z->buf, &at, value, bytes);
    char msg[768];
    EXPECT_TRUE(try_open(z->buf, z->n, NULL, msg) != PT2C_OK);
    EXPECT_CONTAINS(msg, needle);
    free(z);
}

TEST(rejects_entry_fields) {
    expect_cd_patch(8, 1, 2, "encrypted");
    expect_cd_patch(20, 5, 4, "compressed size");      /* stored comp != size */
    expect_cd_patch(20, 100000, 4, "compressed size"); /* caught as a stored mismatch */
    expect_cd_patch(46, 0, 1, "NUL");
    expect_cd_patch(42, 7, 4, "no local header");
}

TEST(rejects_data_beyond_end) {
    zb *z = build(0, 0);
    size_t cd = z->n - 22 - z->cdn;
    size_t at = cd + 20;
    put(z->buf, &at, 100000, 4);
    put(z->buf, &at, 100000, 4);
    char msg[768];
    EXPECT_TRUE(try_open(z->buf, z->n, NULL, msg) != PT2C_OK);
    EXPECT_CONTAINS(msg, "is outside the file");
    EXPECT_CONTAINS(msg, "archive/data.pkl");
    free(z);
}

TEST(corruption_loop) {
    zb *z = build(1, 1);
    uint8_t *copy = malloc(z->n);
    for (size_t cut = 0; cut < z->n; cut++)
        EXPECT_TRUE(try_open(z->buf, cut, NULL, NULL) != PT2C_OK);
    srand(1);
    for (int it = 0; it < 3000; it++) {
        memcpy(copy, z->buf, z->n);
        for (int k = 0; k < 3; k++)
            copy[(size_t)rand() % z->n] ^= (uint8_t)(1 + rand() % 255);
        (void)try_open(copy, z->n, NULL, NULL);
    }
    free(copy);
    free(z);
}

TEST(real_legacy_files) {
    const char *files[] = {"tests/data/legacy-pt2/conv_conv_linear.pt2",
                           "tests/data/legacy-pt2/conv_pool_mask_two_heads.pt2"};
    for (int f = 0; f < 2; f++) {
        pt2c_mapped_file m;
        pt2c_error err;
        pt2c_error_clear(&err);
        EXPECT_EQ(pt2c_file_map(files[f], &m, &err), PT2C_OK);
        if (err.code)
            continue;
        pt2c_arena a;
        pt2c_arena_init(&a, pt2c_default_allocator());
        pt2c_zip zip;
        EXPECT_EQ(pt2c_zip_open(m.data, m.size, &a, NULL, &zip, &err), PT2C_OK);
        EXPECT_TRUE(pt2c_zip_find(&zip, "serialized_exported_program.json") != NULL);
        const pt2c_zip_entry *sd = pt2c_zip_find(&zip, "serialized_state_dict.pt");
        EXPECT_TRUE(sd != NULL);
        if (sd) {
            const uint8_t *d;
            uint64_t n;
            EXPECT_EQ(pt2c_zip_read(&zip, sd, &a, &d, &n, &err), PT2C_OK);
            pt2c_zip inner;
            EXPECT_EQ(pt2c_zip_open(d, n, &a, NULL, &inner, &err), PT2C_OK);
            int found = 0;
            for (int64_t i = 0; i < inner.n_entries; i++) {
                const char *s = strchr(inner.entries[i].name, '/');
                if (s && strcmp(s, "/data.pkl") == 0)
                    found = 1;
            }
            EXPECT_TRUE(found);
        }
        pt2c_arena_deinit(&a);
        pt2c_file_unmap(&m);
    }
}

TEST_MAIN()
