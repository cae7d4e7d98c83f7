/* test_zip_write.c - ZIP writer: entries read back by pt2c's own reader, 64-byte alignment,
 * zip64 fields, CRCs, duplicate names, and the atomic save. */
#include "format/zip.h"
#include "format/zip_write.h"
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t rd32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Names of every length mod 64 around the header, so each padding size 0..63 occurs. */
static void write_and_read(bool force_zip64) {
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_zip_writer w;
    pt2c_zip_writer_init(&w, &a, "test.zip");
    w.force_zip64 = force_zip64;
    static uint8_t payload[1000];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    char names[70][80];
    for (int k = 0; k < 70; k++) {
        int len = snprintf(names[k], sizeof names[k], "root/e%d_", k);
        while (len < 8 + k)
            names[k][len++] = 'x';
        names[k][len] = 0;
        EXPECT_EQ(pt2c_zip_writer_add(&w, names[k], payload, (uint64_t)(k * 13) % 1000, &err),
                  PT2C_OK);
    }
    EXPECT_EQ(pt2c_zip_writer_add(&w, "root/empty", NULL, 0, &err), PT2C_OK);
    EXPECT_EQ(pt2c_zip_writer_finish(&w, &err), PT2C_OK);
    uint64_t size = pt2c_zip_writer_size(&w);
    uint8_t *buf = malloc(size);
    pt2c_zip_writer_copy(&w, buf);

    pt2c_zip zip;
    EXPECT_EQ(pt2c_zip_open(buf, size, &a, NULL, &zip, &err), PT2C_OK);
    EXPECT_EQ(zip.n_entries, 71);
    for (int k = 0; k < 70; k++) {
        const pt2c_zip_entry *e = pt2c_zip_find(&zip, names[k]);
        EXPECT_TRUE(e != NULL);
        if (!e)
            continue;
        uint64_t n = (uint64_t)(k * 13) % 1000;
        EXPECT_EQ(e->data_offset % 64, 0);
        EXPECT_EQ(e->size, n);
        EXPECT_EQ(e->method, 0);
        EXPECT_EQ(e->crc32, (uint32_t)crc32(0L, payload, (uInt)n));
        const uint8_t *data;
        uint64_t got;
        EXPECT_EQ(pt2c_zip_read(&zip, e, &a, &data, &got, &err), PT2C_OK);
        EXPECT_TRUE(got == n && memcmp(data, payload, n) == 0);
        /* The padding is an "FB" extra field of 'Z's, after the zip64 field when present. */
        uint64_t local = e->data_offset;
        const uint8_t *h = NULL;
        for (uint64_t p = 0; p + 4 <= local; p++)
            if (rd32(buf + p) == 0x04034b50u && rd16(buf + p + 26) == strlen(names[k]) &&
                memcmp(buf + p + 30, names[k], strlen(names[k])) == 0)
                h = buf + p;
        EXPECT_TRUE(h != NULL);
        if (!h)
            continue;
        const uint8_t *x = h + 30 + rd16(h + 26);
        if (force_zip64) {
            EXPECT_EQ(rd16(x), 0x0001);
            EXPECT_EQ(rd32(h + 18), 0xFFFFFFFFu);
            x += 4 + rd16(x + 2);
        }
        EXPECT_EQ(rd16(x), 0x4246);
        for (uint16_t i = 0; i < rd16(x + 2); i++)
            EXPECT_EQ(x[4 + i], 'Z');
    }
    EXPECT_TRUE(pt2c_zip_find(&zip, "root/empty") != NULL);
    /* The zip64 end record and its locator are always written, as PyTorch does. */
    EXPECT_EQ(rd32(buf + size - 22 - 20), 0x07064b50u);
    EXPECT_EQ(rd32(buf + size - 22 - 20 - 56), 0x06064b50u);
    free(buf);
    pt2c_arena_deinit(&a);
}

TEST(entries_read_back_aligned) { write_and_read(false); }
TEST(entries_read_back_aligned_zip64) { write_and_read(true); }

TEST(refuses_duplicates_and_late_entries) {
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_zip_writer w;
    pt2c_zip_writer_init(&w, &a, "dup.zip");
    EXPECT_EQ(pt2c_zip_writer_add(&w, "a/x", "1", 1, &err), PT2C_OK);
    EXPECT_EQ(pt2c_zip_writer_add(&w, "a/x", "2", 1, &err), PT2C_ERR_ARG);
    EXPECT_CONTAINS(err.msg, "duplicate entry name 'a/x'");
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_zip_writer_add(&w, "", "2", 1, &err), PT2C_ERR_ARG);
    pt2c_error_clear(&err);
    EXPECT_EQ(pt2c_zip_writer_finish(&w, &err), PT2C_OK);
    EXPECT_EQ(pt2c_zip_writer_add(&w, "a/y", "2", 1, &err), PT2C_ERR_INTERNAL);
    pt2c_arena_deinit(&a);
}

TEST(serialization_id_is_40_digits_and_follows_contents) {
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_zip_writer w1, w2;
    pt2c_zip_writer_init(&w1, &a, "1");
    pt2c_zip_writer_init(&w2, &a, "2");
    EXPECT_EQ(pt2c_zip_writer_add(&w1, "a/x", "1", 1, &err), PT2C_OK);
    EXPECT_EQ(pt2c_zip_writer_add(&w2, "a/x", "2", 1, &err), PT2C_OK);
    char id1[41], id2[41];
    pt2c_zip_writer_serialization_id(&w1, id1);
    pt2c_zip_writer_serialization_id(&w2, id2);
    EXPECT_EQ(strlen(id1), 40);
    EXPECT_EQ(strspn(id1, "0123456789"), 40);
    EXPECT_TRUE(strcmp(id1, id2) != 0);
    pt2c_arena_deinit(&a);
}

TEST(saves_atomically) {
    pt2c_arena a;
    pt2c_arena_init(&a, pt2c_default_allocator());
    pt2c_error err;
    pt2c_error_clear(&err);
    pt2c_zip_writer w;
    pt2c_zip_writer_init(&w, &a, "saved.zip");
    EXPECT_EQ(pt2c_zip_writer_add(&w, "r/a", "hello", 5, &err), PT2C_OK);
    EXPECT_EQ(pt2c_zip_writer_finish(&w, &err), PT2C_OK);
    char path[64];
    snprintf(path, sizeof path, "/tmp/pt2c_zip_write_%ld.zip", (long)getpid());
    EXPECT_EQ(pt2c_zip_writer_save(&w, path, &err), PT2C_OK);
    pt2c_mapped_file f;
    EXPECT_EQ(pt2c_file_map(path, &f, &err), PT2C_OK);
    EXPECT_EQ(f.size, pt2c_zip_writer_size(&w));
    pt2c_zip zip;
    EXPECT_EQ(pt2c_zip_open(f.data, f.size, &a, NULL, &zip, &err), PT2C_OK);
    EXPECT_TRUE(pt2c_zip_find(&zip, "r/a") != NULL);
    pt2c_file_unmap(&f);
    unlink(path);
    /* A directory that does not exist: an error naming the path, nothing written. */
    EXPECT_EQ(pt2c_zip_writer_save(&w, "/nonexistent-dir/x.zip", &err), PT2C_ERR_IO);
    EXPECT_CONTAINS(err.msg, "/nonexistent-dir/x.zip");
    pt2c_arena_deinit(&a);
}

TEST_MAIN()
