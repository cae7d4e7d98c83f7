/* npy.c - write a (possibly strided) tensor as a NumPy .npy file, atomically.
 *
 * Format 1.0: "\x93NUMPY" 1 0, uint16 header length, a Python dict literal padded with
 * spaces to a multiple of 64 bytes and ended by '\n', then the elements in C order.
 * dtypes that NumPy lacks (bfloat16, float8, complex32) are written as their bit patterns in
 * the unsigned integer type of the same size, so the bytes stay exact. */
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *npy_descr_or_bits(pt2c_dtype dtype) {
    const char *d = pt2c_dtype_npy_descr(dtype);
    if (d)
        return d;
    switch (pt2c_dtype_size(dtype)) {
    case 1:
        return "|u1";
    case 2:
        return "<u2";
    case 4:
        return "<u4";
    case 8:
        return "<u8";
    default:
        return NULL;
    }
}

/* Check that every element the view reaches lies in the storage; numel out. */
static pt2c_status check_view(const pt2c_tensor_info *t, size_t elem, uint64_t *numel_out,
                              pt2c_error *err) {
    uint64_t numel = 1, last = 0;
    PT2C_CHECK(t->rank >= 0 && t->rank <= 64, err, PT2C_ERR_ARG, "npy: '%s': rank %d", t->name,
               (int)t->rank);
    for (int32_t d = 0; d < t->rank; d++) {
        PT2C_CHECK(t->sizes[d] >= 0 && t->strides[d] >= 0, err, PT2C_ERR_FORMAT,
                   "npy: '%s': negative size or stride in dim %d", t->name, (int)d);
        PT2C_CHECK(pt2c_mul_u64(numel, (uint64_t)t->sizes[d], &numel), err, PT2C_ERR_LIMIT,
                   "npy: '%s': element count overflows", t->name);
    }
    *numel_out = numel;
    if (numel == 0 || t->storage_bytes == 0)
        return PT2C_OK; /* nothing to read, or an empty payload: zeros */
    PT2C_CHECK(t->storage_offset >= 0, err, PT2C_ERR_FORMAT, "npy: '%s': negative storage offset",
               t->name);
    last = (uint64_t)t->storage_offset;
    for (int32_t d = 0; d < t->rank; d++) {
        uint64_t reach;
        PT2C_CHECK(pt2c_mul_u64((uint64_t)(t->sizes[d] - 1), (uint64_t)t->strides[d], &reach) &&
                       pt2c_add_u64(last, reach, &last),
                   err, PT2C_ERR_LIMIT, "npy: '%s': view extent overflows", t->name);
    }
    uint64_t end;
    PT2C_CHECK(
        pt2c_add_u64(last, 1, &end) && pt2c_mul_u64(end, elem, &end) && end <= t->storage_bytes,
        err, PT2C_ERR_FORMAT, "npy: '%s': view reaches byte %llu but the storage holds %llu bytes",
        t->name, (unsigned long long)end, (unsigned long long)t->storage_bytes);
    return PT2C_OK;
}

pt2c_status pt2c_tensor_write_npy(const pt2c_tensor_info *t, const char *path, pt2c_error *err) {
    pt2c_error_clear(err);
    size_t elem = pt2c_dtype_size(t->dtype);
    const char *descr = npy_descr_or_bits(t->dtype);
    PT2C_CHECK(elem > 0 && descr, err, PT2C_ERR_UNSUPPORTED, "npy: '%s': dtype %d has no .npy form",
               t->name, (int)t->dtype);
    uint64_t numel = 0;
    PT2C_TRY(check_view(t, elem, &numel, err));
    uint64_t data_bytes;
    PT2C_CHECK(pt2c_mul_u64(numel, elem, &data_bytes) && data_bytes < SIZE_MAX / 2, err,
               PT2C_ERR_LIMIT, "npy: '%s': too large", t->name);

    /* Header dict. */
    char header[4096];
    int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (",
                     descr);
    for (int32_t d = 0; d < t->rank && n > 0 && (size_t)n < sizeof header; d++)
        /* Python tuple syntax: "(5,)" for one dim, "(1, 3)" for more. */
        n += snprintf(header + n, sizeof header - (size_t)n, "%lld%s", (long long)t->sizes[d],
                      d + 1 < t->rank ? ", " : (t->rank == 1 ? "," : ""));
    if (n > 0 && (size_t)n < sizeof header)
        n += snprintf(header + n, sizeof header - (size_t)n, "), }");
    PT2C_CHECK(n > 0 && (size_t)n + 80 < sizeof header, err, PT2C_ERR_LIMIT,
               "npy: '%s': header too long", t->name);
    size_t total = 10 + (size_t)n + 1;
    size_t padded = (total + 63) / 64 * 64;
    memset(header + n, ' ', padded - total);
    header[n + (int)(padded - total)] = '\n';
    size_t header_len = padded - 10;
    uint8_t preamble[10] = {0x93,
                            'N',
                            'U',
                            'M',
                            'P',
                            'Y',
                            1,
                            0,
                            (uint8_t)(header_len & 0xff),
                            (uint8_t)(header_len >> 8)};

    /* Gather elements in C order. */
    uint8_t *data = NULL;
    if (data_bytes) {
        data = pt2c_alloc(NULL, (size_t)data_bytes);
        PT2C_CHECK(data, err, PT2C_ERR_NOMEM, "npy: '%s': out of memory", t->name);
        if (!t->storage || t->storage_bytes == 0) {
            memset(data, 0, (size_t)data_bytes);
        } else {
            int64_t index[64] = {0};
            const uint8_t *base = t->storage;
            for (uint64_t k = 0; k < numel; k++) {
                int64_t off = t->storage_offset;
                for (int32_t d = 0; d < t->rank; d++)
                    off += index[d] * t->strides[d];
                memcpy(data + k * elem, base + (uint64_t)off * elem, elem);
                for (int32_t d = t->rank - 1; d >= 0; d--) {
                    if (++index[d] < t->sizes[d])
                        break;
                    index[d] = 0;
                }
            }
        }
    }
    const void *chunks[3] = {preamble, header, data ? (const void *)data : (const void *)""};
    size_t sizes[3] = {sizeof preamble, header_len, (size_t)data_bytes};
    pt2c_status st = pt2c_file_write_atomic(path, chunks, sizes, 3, err);
    pt2c_dealloc(NULL, data, (size_t)data_bytes);
    return st;
}

/* ---------------------------------------------------------------------------------------- */
/* Reading                                                                                  */

typedef struct npy_buffer {
    int64_t sizes[64];
    int64_t strides[64];
    char name[1024];
    uint64_t data_bytes;
    uint8_t *data; /* points after this header, 64-byte aligned */
} npy_buffer;

static pt2c_dtype dtype_from_descr(const char *d, size_t n) {
    struct {
        const char *descr;
        pt2c_dtype dtype;
    } table[] = {{"<f4", PT2C_DTYPE_F32}, {"<f8", PT2C_DTYPE_F64},  {"<f2", PT2C_DTYPE_F16},
                 {"<i8", PT2C_DTYPE_I64}, {"<i4", PT2C_DTYPE_I32},  {"<i2", PT2C_DTYPE_I16},
                 {"|i1", PT2C_DTYPE_I8},  {"|u1", PT2C_DTYPE_U8},   {"|b1", PT2C_DTYPE_BOOL},
                 {"<u2", PT2C_DTYPE_U16}, {"<u4", PT2C_DTYPE_U32},  {"<u8", PT2C_DTYPE_U64},
                 {"<c8", PT2C_DTYPE_C64}, {"<c16", PT2C_DTYPE_C128}};
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strlen(table[i].descr) == n && memcmp(table[i].descr, d, n) == 0)
            return table[i].dtype;
    return PT2C_DTYPE_UNKNOWN;
}

/* Value text of key in a Python dict literal, e.g. "'descr': '<f4'" -> "'<f4'". */
static const char *dict_value(const char *h, const char *key) {
    const char *k = strstr(h, key);
    if (!k)
        return NULL;
    k += strlen(key);
    while (*k == ' ' || *k == ':')
        k++;
    return k;
}

pt2c_status pt2c_tensor_read_npy(const char *path, pt2c_tensor_info *out, void **buffer,
                                 pt2c_error *err) {
    pt2c_error_clear(err);
    *buffer = NULL;
    memset(out, 0, sizeof *out);
    pt2c_mapped_file f;
    PT2C_TRY(pt2c_file_map(path, &f, err));
    pt2c_status st = PT2C_OK;
    npy_buffer *nb = NULL;
    char header[4096];
    if (f.size < 10 || memcmp(f.data, "\x93NUMPY", 6) != 0) {
        st = pt2c_error_set(err, PT2C_ERR_FORMAT, "npy: not a .npy file (no \\x93NUMPY magic)");
        goto done;
    }
    uint8_t major = f.data[6];
    size_t hlen, hstart;
    if (major == 1) {
        hlen = (size_t)f.data[8] | ((size_t)f.data[9] << 8);
        hstart = 10;
    } else if ((major == 2 || major == 3) && f.size >= 12) {
        hlen = (size_t)f.data[8] | ((size_t)f.data[9] << 8) | ((size_t)f.data[10] << 16) |
               ((size_t)f.data[11] << 24);
        hstart = 12;
    } else {
        st = pt2c_error_set(err, PT2C_ERR_FORMAT, "npy: unsupported version %d", (int)major);
        goto done;
    }
    if (hlen >= sizeof header || hstart + hlen > f.size) {
        st = pt2c_error_set(err, PT2C_ERR_FORMAT,
                            "npy: header of %zu bytes is truncated or too long", hlen);
        goto done;
    }
    memcpy(header, f.data + hstart, hlen);
    header[hlen] = 0;
    const char *descr = dict_value(header, "'descr'");
    const char *fortran = dict_value(header, "'fortran_order'");
    const char *shape = dict_value(header, "'shape'");
    if (!descr || *descr != '\'' || !fortran || !shape || *shape != '(') {
        st =
            pt2c_error_set(err, PT2C_ERR_FORMAT, "npy: header lacks descr, fortran_order or shape");
        goto done;
    }
    const char *dend = strchr(descr + 1, '\'');
    pt2c_dtype dtype =
        dend ? dtype_from_descr(descr + 1, (size_t)(dend - descr - 1)) : PT2C_DTYPE_UNKNOWN;
    if (dtype == PT2C_DTYPE_UNKNOWN) {
        st = pt2c_error_set(err, PT2C_ERR_UNSUPPORTED, "npy: dtype %.*s is not supported",
                            dend ? (int)(dend - descr + 1) : 8, descr);
        goto done;
    }
    if (strncmp(fortran, "False", 5) != 0) {
        st = pt2c_error_set(err, PT2C_ERR_UNSUPPORTED,
                            "npy: Fortran-order arrays are not supported (save C order)");
        goto done;
    }
    nb = pt2c_alloc(NULL, sizeof *nb);
    if (!nb) {
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "npy: out of memory");
        goto done;
    }
    memset(nb, 0, sizeof *nb);
    int32_t rank = 0;
    uint64_t numel = 1;
    const char *p = shape + 1;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ')')
            break;
        char *e;
        long long v = strtoll(p, &e, 10);
        if (e == p || v < 0 || rank >= 64 || !pt2c_mul_u64(numel, (uint64_t)v, &numel)) {
            st = pt2c_error_set(err, PT2C_ERR_FORMAT, "npy: bad shape in header");
            goto done;
        }
        nb->sizes[rank++] = v;
        p = e;
    }
    size_t elem = pt2c_dtype_size(dtype);
    uint64_t bytes;
    if (!pt2c_mul_u64(numel, elem, &bytes) || hstart + hlen + bytes > f.size) {
        st = pt2c_error_set(err, PT2C_ERR_FORMAT,
                            "npy: the header promises %llu elements but the file is too short",
                            (unsigned long long)numel);
        goto done;
    }
    nb->data = pt2c_alloc(NULL, bytes ? (size_t)bytes : 1);
    if (!nb->data) {
        st = pt2c_error_set(err, PT2C_ERR_NOMEM, "npy: out of memory");
        goto done;
    }
    memcpy(nb->data, f.data + hstart + hlen, (size_t)bytes);
    nb->data_bytes = bytes;
    int64_t s = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        nb->strides[d] = s;
        s *= nb->sizes[d];
    }
    snprintf(nb->name, sizeof nb->name, "%s", path);
    out->name = nb->name;
    out->dtype = dtype;
    out->rank = rank;
    out->sizes = nb->sizes;
    out->strides = nb->strides;
    out->storage = nb->data;
    out->storage_bytes = bytes;
    *buffer = nb;
    nb = NULL;
done:
    if (nb) {
        pt2c_dealloc(NULL, nb->data, 0);
        pt2c_dealloc(NULL, nb, sizeof *nb);
    }
    pt2c_file_unmap(&f);
    if (st != PT2C_OK)
        pt2c_error_prefix(err, "%s", path);
    return st;
}

void pt2c_npy_free(void *buffer) {
    npy_buffer *nb = buffer;
    if (!nb)
        return;
    pt2c_dealloc(NULL, nb->data, nb->data_bytes);
    pt2c_dealloc(NULL, nb, sizeof *nb);
}
