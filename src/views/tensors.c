/*
 * tensors.c - STATE_DICT, CONSTANTS and SAMPLE_INPUTS views: one aligned table row per
 * tensor.
 *
 *     # state_dict: 2 tensors, 1,806 bytes
 *     name         dtype          shape         bytes  role    values
 *     conv.weight  torch.float32  [6, 3, 5, 5]  1,800  param   [-1.0, -0.5, 0.0, 0.5, ...]
 *     mask         torch.bool     [6]           6      buffer  [True, False, True, True, ...]
 *
 * (values shortened here.) "bytes" is numel * element size (torch's nbytes). "values" are the first
 * (up to 6) elements in row-major order, as tensor.tolist() would show them in Python: floats with
 * repr() (f16, bf16 and float8 decoded to double first), ints, True/False, complex as
 * "(1+2j)". Elements are read through sizes, strides and storage_offset and never outside
 * storage_bytes. Opaque objects (custom objects, subclasses) are listed with the constants.
 */
#include "views/views.h"

#include <math.h>
#include <string.h>

enum { TV_MAX_VALUES = 6 };

/* ---------------------------------------------------------------------------------------- */
/* Decoding one element                                                                     */

/* IEEE half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. */
static double tv_half(uint16_t h) {
    int sign = h >> 15, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp((double)m, -24);
    else if (e == 31)
        v = m ? (double)NAN : (double)INFINITY;
    else
        v = ldexp((double)(m | 0x400), e - 25);
    return sign ? -v : v;
}

/* bfloat16 is the top half of a float32. */
static double tv_bf16(uint16_t b) {
    uint32_t bits = (uint32_t)b << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return (double)f;
}

/* The float8 formats (see torch's c10/util/Float8_*.h for the definitions). */
static double tv_float8(pt2c_dtype dtype, uint8_t x) {
    int sign = x >> 7;
    int e, m, bias, man_bits;
    switch (dtype) {
    case PT2C_DTYPE_F8E4M3FN: /* no infinities; S.1111.111 is NaN */
        if ((x & 0x7f) == 0x7f)
            return (double)NAN;
        e = (x >> 3) & 0xf, m = x & 7, bias = 7, man_bits = 3;
        break;
    case PT2C_DTYPE_F8E4M3FNUZ: /* 0x80 is the only NaN, no -0 */
        if (x == 0x80)
            return (double)NAN;
        e = (x >> 3) & 0xf, m = x & 7, bias = 8, man_bits = 3;
        break;
    case PT2C_DTYPE_F8E5M2: /* the top byte of an IEEE half */
        return tv_half((uint16_t)(x << 8));
    case PT2C_DTYPE_F8E5M2FNUZ:
        if (x == 0x80)
            return (double)NAN;
        e = (x >> 2) & 0x1f, m = x & 3, bias = 16, man_bits = 2;
        break;
    case PT2C_DTYPE_F8E8M0FNU: /* unsigned exponent only: 2^(x-127), 0xff is NaN */
        return x == 0xff ? (double)NAN : ldexp(1.0, (int)x - 127);
    default:
        return (double)NAN;
    }
    double v = e == 0 ? ldexp((double)m, 1 - bias - man_bits)
                      : ldexp((double)(m | (1 << man_bits)), e - bias - man_bits);
    return sign ? -v : v;
}

/* Python's complex repr drops the ".0" of whole parts: (1+2j), 2j, (1.5-0.25j). */
static void tv_complex_part(double v, char *buf, size_t size) {
    pt2c_format_py_float(v, buf, size);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, ".0") == 0)
        buf[n - 2] = 0;
}

static void tv_put_complex(pt2c_strbuf *sb, double re, double im) {
    char r[40], i[40];
    tv_complex_part(re, r, sizeof r);
    tv_complex_part(im, i, sizeof i);
    if (re == 0.0 && !signbit(re)) {
        pt2c_strbuf_printf(sb, "%sj", i);
        return;
    }
    bool neg_im = signbit(im) && !isnan(im);
    pt2c_strbuf_printf(sb, "(%s%s%sj)", r, neg_im ? "" : "+", i);
}

static void tv_put_float(pt2c_strbuf *sb, double v) {
    char buf[40];
    pt2c_format_py_float(v, buf, sizeof buf);
    pt2c_strbuf_puts(sb, buf);
}

/* Append the element at p (dtype_size(dtype) readable bytes). */
static void tv_put_element(pt2c_strbuf *sb, pt2c_dtype dtype, const uint8_t *p) {
    switch (dtype) {
    case PT2C_DTYPE_BOOL:
        pt2c_strbuf_puts(sb, p[0] ? "True" : "False");
        return;
    case PT2C_DTYPE_U8:
        pt2c_strbuf_printf(sb, "%u", (unsigned)p[0]);
        return;
    case PT2C_DTYPE_I8:
        pt2c_strbuf_printf(sb, "%d", (int)(int8_t)p[0]);
        return;
    case PT2C_DTYPE_I16: {
        int16_t v;
        memcpy(&v, p, sizeof v);
        pt2c_strbuf_printf(sb, "%d", (int)v);
        return;
    }
    case PT2C_DTYPE_U16: {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        pt2c_strbuf_printf(sb, "%u", (unsigned)v);
        return;
    }
    case PT2C_DTYPE_I32: {
        int32_t v;
        memcpy(&v, p, sizeof v);
        pt2c_strbuf_printf(sb, "%ld", (long)v);
        return;
    }
    case PT2C_DTYPE_U32: {
        uint32_t v;
        memcpy(&v, p, sizeof v);
        pt2c_strbuf_printf(sb, "%lu", (unsigned long)v);
        return;
    }
    case PT2C_DTYPE_I64: {
        int64_t v;
        memcpy(&v, p, sizeof v);
        pt2c_strbuf_printf(sb, "%lld", (long long)v);
        return;
    }
    case PT2C_DTYPE_U64: {
        uint64_t v;
        memcpy(&v, p, sizeof v);
        pt2c_strbuf_printf(sb, "%llu", (unsigned long long)v);
        return;
    }
    case PT2C_DTYPE_F16: {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        tv_put_float(sb, tv_half(v));
        return;
    }
    case PT2C_DTYPE_BF16: {
        uint16_t v;
        memcpy(&v, p, sizeof v);
        tv_put_float(sb, tv_bf16(v));
        return;
    }
    case PT2C_DTYPE_F32: {
        float v;
        memcpy(&v, p, sizeof v);
        tv_put_float(sb, (double)v);
        return;
    }
    case PT2C_DTYPE_F64: {
        double v;
        memcpy(&v, p, sizeof v);
        tv_put_float(sb, v);
        return;
    }
    case PT2C_DTYPE_C32: {
        uint16_t re, im;
        memcpy(&re, p, sizeof re);
        memcpy(&im, p + 2, sizeof im);
        tv_put_complex(sb, tv_half(re), tv_half(im));
        return;
    }
    case PT2C_DTYPE_C64: {
        float re, im;
        memcpy(&re, p, sizeof re);
        memcpy(&im, p + 4, sizeof im);
        tv_put_complex(sb, (double)re, (double)im);
        return;
    }
    case PT2C_DTYPE_C128: {
        double re, im;
        memcpy(&re, p, sizeof re);
        memcpy(&im, p + 8, sizeof im);
        tv_put_complex(sb, re, im);
        return;
    }
    case PT2C_DTYPE_F8E4M3FN:
    case PT2C_DTYPE_F8E5M2:
    case PT2C_DTYPE_F8E4M3FNUZ:
    case PT2C_DTYPE_F8E5M2FNUZ:
    case PT2C_DTYPE_F8E8M0FNU:
        tv_put_float(sb, tv_float8(dtype, p[0]));
        return;
    default:
        pt2c_strbuf_putc(sb, '?');
        return;
    }
}

/* ---------------------------------------------------------------------------------------- */
/* One tensor                                                                               */

/* numel, or false when a size is negative or the product overflows. */
static bool tv_numel(const pt2c_tensor_data *t, uint64_t *out) {
    uint64_t n = 1;
    for (int32_t d = 0; d < t->rank; d++) {
        if (!t->sizes || t->sizes[d] < 0 || !pt2c_mul_u64(n, (uint64_t)t->sizes[d], &n))
            return false;
    }
    *out = n;
    return true;
}

/* Byte offset of the flat (row-major) element k, or false if it is not inside storage. */
static bool tv_element_offset(const pt2c_tensor_data *t, uint64_t k, size_t esz, uint64_t *out) {
    if (t->storage_offset < 0)
        return false;
    uint64_t off = (uint64_t)t->storage_offset;
    for (int32_t d = t->rank - 1; d >= 0; d--) {
        uint64_t size = (uint64_t)t->sizes[d]; /* > 0: k < numel */
        uint64_t idx = k % size, term;
        k /= size;
        if (!t->strides || t->strides[d] < 0)
            return false;
        if (!pt2c_mul_u64(idx, (uint64_t)t->strides[d], &term) || !pt2c_add_u64(off, term, &off))
            return false;
    }
    uint64_t byte, end;
    if (!pt2c_mul_u64(off, esz, &byte) || !pt2c_add_u64(byte, esz, &end))
        return false;
    if (!t->storage || end > t->storage_bytes)
        return false;
    *out = byte;
    return true;
}

static void tv_put_values(pt2c_strbuf *sb, const pt2c_tensor_data *t) {
    uint64_t numel;
    size_t esz = pt2c_dtype_size(t->dtype);
    if (!tv_numel(t, &numel)) {
        pt2c_strbuf_puts(sb, "<invalid sizes>");
        return;
    }
    if (esz == 0) {
        pt2c_strbuf_puts(sb, "<unknown dtype>");
        return;
    }
    uint64_t shown = numel < TV_MAX_VALUES ? numel : TV_MAX_VALUES;
    if (t->rank != 0)
        pt2c_strbuf_putc(sb, '[');
    for (uint64_t k = 0; k < shown; k++) {
        uint64_t byte;
        if (k > 0)
            pt2c_strbuf_puts(sb, ", ");
        if (!tv_element_offset(t, k, esz, &byte)) {
            pt2c_strbuf_puts(sb, "<outside storage>");
            break;
        }
        tv_put_element(sb, t->dtype, t->storage + byte);
    }
    if (numel > shown)
        pt2c_strbuf_puts(sb, ", ...");
    if (t->rank != 0)
        pt2c_strbuf_putc(sb, ']');
}

static void tv_put_shape(pt2c_strbuf *sb, const pt2c_tensor_data *t) {
    pt2c_strbuf_putc(sb, '[');
    for (int32_t d = 0; d < t->rank; d++)
        pt2c_strbuf_printf(sb, d ? ", %lld" : "%lld", t->sizes ? (long long)t->sizes[d] : -1LL);
    pt2c_strbuf_putc(sb, ']');
}

/* "1,800": thousands separators make byte counts readable at a glance. */
static void tv_put_count(pt2c_strbuf *sb, uint64_t v) {
    char digits[32];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = n - 1; i >= 0; i--) {
        pt2c_strbuf_putc(sb, digits[i]);
        if (i > 0 && i % 3 == 0)
            pt2c_strbuf_putc(sb, ',');
    }
}

static void tv_put_bytes(pt2c_strbuf *sb, const pt2c_tensor_data *t) {
    uint64_t numel, bytes;
    if (tv_numel(t, &numel) && pt2c_mul_u64(numel, pt2c_dtype_size(t->dtype), &bytes))
        tv_put_count(sb, bytes);
    else
        pt2c_strbuf_putc(sb, '?');
}

static const char *tv_role(const pt2c_program *prog, pt2c_tensor_set set,
                           const pt2c_tensor_data *t) {
    if (set == PT2C_TENSORS_SAMPLE_INPUTS)
        return "input";
    if (t->is_param)
        return "param";
    if (set == PT2C_TENSORS_STATE_DICT)
        return "buffer";
    /* Constants hold tensor constants and non-persistent buffers: ask the signature. */
    const pt2c_graph_signature *sig = &prog->ep.graph_module.signature;
    for (int32_t i = 0; sig->input_specs && i < sig->n_input_specs; i++) {
        const pt2c_input_spec *s = &sig->input_specs[i];
        if (s->kind == PT2C_INPUT_BUFFER && s->target && t->name && !strcmp(s->target, t->name))
            return "buffer";
    }
    return "constant";
}

/* ---------------------------------------------------------------------------------------- */
/* The table                                                                                */

enum { TV_COL_NAME, TV_COL_DTYPE, TV_COL_SHAPE, TV_COL_BYTES, TV_COL_ROLE, TV_N_COLS };

/* Cell text of row i (i >= n_tensors: opaque object i - n_tensors) into cell. */
static void tv_cell(const pt2c_program *prog, pt2c_tensor_set set, const pt2c_tensor_data *ts,
                    int64_t n, int64_t i, int col, pt2c_strbuf *cell) {
    cell->len = 0;
    if (cell->data)
        cell->data[0] = 0;
    if (i >= n) {
        const pt2c_opaque_object *o = &prog->opaque[i - n];
        switch (col) {
        case TV_COL_NAME:
            pt2c_strbuf_puts(cell, o->name ? o->name : "");
            break;
        case TV_COL_DTYPE:
            pt2c_strbuf_puts(cell, "opaque");
            break;
        case TV_COL_SHAPE:
            pt2c_strbuf_puts(cell, "-");
            break;
        case TV_COL_BYTES:
            tv_put_count(cell, o->n_bytes);
            break;
        default:
            pt2c_strbuf_puts(cell, "opaque");
            break;
        }
        return;
    }
    const pt2c_tensor_data *t = &ts[i];
    switch (col) {
    case TV_COL_NAME:
        pt2c_strbuf_puts(cell, t->name ? t->name : "");
        break;
    case TV_COL_DTYPE:
        pt2c_strbuf_puts(cell, pt2c_dtype_name(t->dtype));
        break;
    case TV_COL_SHAPE:
        tv_put_shape(cell, t);
        break;
    case TV_COL_BYTES:
        tv_put_bytes(cell, t);
        break;
    default:
        pt2c_strbuf_puts(cell, tv_role(prog, set, t));
        break;
    }
}

pt2c_status pt2c_view_tensors(const pt2c_program *prog, pt2c_tensor_set set, pt2c_strbuf *sb,
                              pt2c_error *err) {
    PT2C_CHECK(prog && sb, err, PT2C_ERR_ARG, "render: tensors: program and buffer required");
    const pt2c_tensor_data *ts;
    int64_t n, n_opaque = 0;
    const char *title;
    switch (set) {
    case PT2C_TENSORS_STATE_DICT:
        ts = prog->state_dict, n = prog->n_state_dict, title = "state_dict";
        break;
    case PT2C_TENSORS_CONSTANTS:
        ts = prog->constants, n = prog->n_constants, title = "constants";
        n_opaque = prog->opaque ? prog->n_opaque : 0;
        break;
    case PT2C_TENSORS_SAMPLE_INPUTS:
        ts = prog->sample_inputs, n = prog->n_sample_inputs, title = "sample_inputs";
        break;
    default:
        return pt2c_error_set(err, PT2C_ERR_ARG, "render: tensors: unknown tensor set %d",
                              (int)set);
    }
    if (!ts)
        n = 0;
    if (n < 0)
        n = 0;
    if (n_opaque < 0)
        n_opaque = 0;

    if (n + n_opaque == 0) {
        if (set == PT2C_TENSORS_SAMPLE_INPUTS && !prog->has_sample_inputs)
            pt2c_strbuf_printf(sb, "# %s: none stored in the archive\n", title);
        else
            pt2c_strbuf_printf(sb, "# %s: no tensors\n", title);
        return PT2C_OK;
    }

    uint64_t total = 0;
    for (int64_t i = 0; i < n; i++) {
        uint64_t numel, bytes;
        if (tv_numel(&ts[i], &numel) && pt2c_mul_u64(numel, pt2c_dtype_size(ts[i].dtype), &bytes))
            pt2c_add_u64(total, bytes, &total);
    }
    pt2c_strbuf_printf(sb, "# %s: %lld tensor%s, ", title, (long long)n, n == 1 ? "" : "s");
    tv_put_count(sb, total);
    pt2c_strbuf_puts(sb, " bytes");
    if (n_opaque)
        pt2c_strbuf_printf(sb, "; %lld opaque object%s", (long long)n_opaque,
                           n_opaque == 1 ? "" : "s");
    pt2c_strbuf_putc(sb, '\n');

    static const char *const headers[TV_N_COLS] = {"name", "dtype", "shape", "bytes", "role"};
    size_t width[TV_N_COLS];
    for (int c = 0; c < TV_N_COLS; c++)
        width[c] = strlen(headers[c]);

    pt2c_strbuf cell;
    pt2c_strbuf_init(&cell, sb->allocator);
    for (int64_t i = 0; i < n + n_opaque; i++)
        for (int c = 0; c < TV_N_COLS; c++) {
            tv_cell(prog, set, ts, n, i, c, &cell);
            if (cell.len > width[c])
                width[c] = cell.len;
        }

    for (int c = 0; c < TV_N_COLS; c++)
        pt2c_strbuf_printf(sb, "%-*s  ", (int)width[c], headers[c]);
    pt2c_strbuf_puts(sb, "values\n");
    for (int64_t i = 0; i < n + n_opaque; i++) {
        for (int c = 0; c < TV_N_COLS; c++) {
            tv_cell(prog, set, ts, n, i, c, &cell);
            pt2c_strbuf_printf(sb, "%-*s  ", (int)width[c], cell.data ? cell.data : "");
        }
        if (i < n) {
            tv_put_values(sb, &ts[i]);
        } else {
            const char *why = prog->opaque[i - n].why;
            pt2c_strbuf_printf(sb, "(%s)", why ? why : "kept as bytes");
        }
        pt2c_strbuf_putc(sb, '\n');
    }
    bool cell_failed = cell.failed;
    pt2c_strbuf_deinit(&cell);
    if (cell_failed)
        sb->failed = true; /* report out-of-memory through the main buffer */
    return PT2C_OK;
}
