/*
 * shape_util.c - strided copies, broadcast walks, dtype casts and fill values for the shape,
 * creation, indexing and concatenation ops (see shape_util.h).
 *
 * Casting follows PyTorch's static_cast rules on CPU: float -> integer truncates toward zero
 * (out-of-range values wrap through int64 the way x86 conversions do for the narrow types),
 * any -> bool is x != 0 (NaN is true), integer -> float16/bfloat16 goes through float32.
 */
#include "ops/shape_util.h"

#include "ops/elem.h"
#include "ops/promote.h"

#include <string.h>

void pt2c_contig_strides(int32_t rank, const int64_t *sizes, int64_t *strides) {
    int64_t s = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= sizes[d];
    }
}

void pt2c_strided_simplify(pt2c_strided *m) {
    int64_t sizes[PT2C_STRIDED_MAX_RANK], strides[PT2C_STRIDED_MAX_RANK];
    int32_t r = 0;
    for (int32_t d = 0; d < m->rank; d++) {
        if (m->sizes[d] == 0) {
            /* Nothing to copy: keep one empty dim so numel stays 0. */
            m->rank = 1;
            m->sizes[0] = 0;
            m->strides[0] = 1;
            return;
        }
        if (m->sizes[d] == 1)
            continue;
        if (r > 0 && strides[r - 1] == m->strides[d] * m->sizes[d]) {
            /* The outer dim steps exactly over the inner one: one longer dim. */
            sizes[r - 1] *= m->sizes[d];
            strides[r - 1] = m->strides[d];
            continue;
        }
        sizes[r] = m->sizes[d];
        strides[r] = m->strides[d];
        r++;
    }
    m->rank = r;
    for (int32_t d = 0; d < r; d++) {
        m->sizes[d] = sizes[d];
        m->strides[d] = strides[d];
    }
}

/* n elements of elem bytes from src (every stride elements) to dense dst. Fixed-size memcpy
 * calls compile to plain moves and do not assume alignment. */
static void copy_run(uint8_t *dst, const uint8_t *src, int64_t stride, int64_t n, size_t elem) {
    if (stride == 1) {
        memcpy(dst, src, (size_t)n * elem);
        return;
    }
    ptrdiff_t step = (ptrdiff_t)stride * (ptrdiff_t)elem;
    switch (elem) {
    case 1:
        for (int64_t k = 0; k < n; k++, src += step)
            dst[k] = *src;
        return;
    case 2:
        for (int64_t k = 0; k < n; k++, src += step)
            memcpy(dst + k * 2, src, 2);
        return;
    case 4:
        for (int64_t k = 0; k < n; k++, src += step)
            memcpy(dst + k * 4, src, 4);
        return;
    case 8:
        for (int64_t k = 0; k < n; k++, src += step)
            memcpy(dst + k * 8, src, 8);
        return;
    default:
        for (int64_t k = 0; k < n; k++, src += step)
            memcpy(dst + (size_t)k * elem, src, elem);
        return;
    }
}

void pt2c_strided_copy(const pt2c_strided *m, const void *src, void *dst, size_t elem,
                       int64_t begin, int64_t end) {
    if (begin >= end)
        return;
    const uint8_t *s = src;
    uint8_t *o = dst;
    int32_t r = m->rank;
    if (r == 0) {
        memcpy(o, s + (ptrdiff_t)m->offset * (ptrdiff_t)elem, elem);
        return;
    }
    int64_t index[PT2C_STRIDED_MAX_RANK];
    int64_t off = m->offset, rem = begin;
    for (int32_t d = r - 1; d >= 0; d--) {
        index[d] = rem % m->sizes[d];
        rem /= m->sizes[d];
        off += index[d] * m->strides[d];
    }
    int64_t inner = m->sizes[r - 1], st = m->strides[r - 1];
    int64_t i = begin;
    while (i < end) {
        int64_t j = index[r - 1]; /* off points at inner position j */
        int64_t run = inner - j;
        if (run > end - i)
            run = end - i;
        copy_run(o + (size_t)i * elem, s + (ptrdiff_t)off * (ptrdiff_t)elem, st, run, elem);
        i += run;
        if (i >= end)
            break;
        /* The inner dim is exhausted: back to its start, carry into the outer dims. */
        off -= j * st;
        index[r - 1] = 0;
        for (int32_t d = r - 2; d >= 0; d--) {
            index[d]++;
            off += m->strides[d];
            if (index[d] < m->sizes[d])
                break;
            off -= index[d] * m->strides[d];
            index[d] = 0;
        }
    }
}

void pt2c_broadcast_strides(const pt2c_ktensor *t, int32_t out_rank, int64_t *strides) {
    int64_t stride = 1;
    for (int32_t d = out_rank - 1; d >= 0; d--) {
        int32_t td = t->rank - (out_rank - d);
        strides[d] = (td < 0 || t->sizes[td] == 1) ? 0 : stride;
        if (td >= 0)
            stride *= t->sizes[td];
    }
}

void pt2c_nditer_start(pt2c_nditer *it, int32_t rank, const int64_t *sizes, int32_t n,
                       int64_t begin) {
    it->rank = rank;
    it->n = n;
    for (int32_t d = 0; d < rank; d++)
        it->sizes[d] = sizes[d];
    for (int32_t k = 0; k < n; k++)
        it->off[k] = 0;
    int64_t rem = begin;
    for (int32_t d = rank - 1; d >= 0; d--) {
        int64_t size = sizes[d] ? sizes[d] : 1;
        it->index[d] = rem % size;
        rem /= size;
        for (int32_t k = 0; k < n; k++)
            it->off[k] += it->index[d] * it->strides[k][d];
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Casts                                                                                    */

bool pt2c_dtype_castable(pt2c_dtype t) {
    switch (t) {
    case PT2C_DTYPE_U8:
    case PT2C_DTYPE_I8:
    case PT2C_DTYPE_I16:
    case PT2C_DTYPE_I32:
    case PT2C_DTYPE_I64:
    case PT2C_DTYPE_F16:
    case PT2C_DTYPE_F32:
    case PT2C_DTYPE_F64:
    case PT2C_DTYPE_BOOL:
    case PT2C_DTYPE_BF16:
    case PT2C_DTYPE_U16:
    case PT2C_DTYPE_U32:
    case PT2C_DTYPE_U64:
        return true;
    default:
        return false;
    }
}

static bool is_float_dtype(pt2c_dtype t) {
    return t == PT2C_DTYPE_F32 || t == PT2C_DTYPE_F64 || t == PT2C_DTYPE_F16 ||
           t == PT2C_DTYPE_BF16;
}

void pt2c_cast_one(void *dst, pt2c_dtype dt, int64_t di, const void *src, pt2c_dtype st,
                   int64_t si) {
    if (dt == st) {
        size_t elem = pt2c_dtype_size(dt);
        memcpy((uint8_t *)dst + (size_t)di * elem, (const uint8_t *)src + (size_t)si * elem, elem);
        return;
    }
    bool src_float = is_float_dtype(st);
    if (dt == PT2C_DTYPE_BOOL) {
        bool v = src_float ? pt2c_load_f64(src, st, si) != 0.0 : pt2c_load_i64(src, st, si) != 0;
        ((uint8_t *)dst)[di] = v ? 1 : 0;
        return;
    }
    if (is_float_dtype(dt)) {
        if (src_float || st == PT2C_DTYPE_U64) {
            pt2c_store_f64(dst, dt, di, pt2c_load_f64(src, st, si));
            return;
        }
        /* Integer to float: one rounding, straight from int64 (a detour through double
         * would round twice for large values). */
        int64_t v = pt2c_load_i64(src, st, si);
        switch (dt) {
        case PT2C_DTYPE_F64:
            ((double *)dst)[di] = (double)v;
            return;
        case PT2C_DTYPE_F32:
            ((float *)dst)[di] = (float)v;
            return;
        case PT2C_DTYPE_F16:
            ((uint16_t *)dst)[di] = pt2c_float_to_half((float)v);
            return;
        default:
            ((uint16_t *)dst)[di] = pt2c_float_to_bf16((float)v);
            return;
        }
    }
    if (src_float)
        pt2c_store_f64(dst, dt, di, pt2c_load_f64(src, st, si));
    else
        pt2c_store_i64(dst, dt, di, pt2c_load_i64(src, st, si));
}

void pt2c_cast_run(void *dst, pt2c_dtype dt, const void *src, pt2c_dtype st, int64_t n) {
    if (dt == st) {
        memcpy(dst, src, (size_t)n * pt2c_dtype_size(dt));
        return;
    }
    if (dt == PT2C_DTYPE_F32 && st == PT2C_DTYPE_F64) {
        float *o = dst;
        const double *s = src;
        for (int64_t i = 0; i < n; i++)
            o[i] = (float)s[i];
        return;
    }
    if (dt == PT2C_DTYPE_F64 && st == PT2C_DTYPE_F32) {
        double *o = dst;
        const float *s = src;
        for (int64_t i = 0; i < n; i++)
            o[i] = (double)s[i];
        return;
    }
    if (dt == PT2C_DTYPE_F32 && st == PT2C_DTYPE_I64) {
        float *o = dst;
        const int64_t *s = src;
        for (int64_t i = 0; i < n; i++)
            o[i] = (float)s[i];
        return;
    }
    for (int64_t i = 0; i < n; i++)
        pt2c_cast_one(dst, dt, i, src, st, i);
}

/* ---------------------------------------------------------------------------------------- */
/* Fill values                                                                              */

void pt2c_elem_from_scalar(const pt2c_op_ctx *ctx, const pt2c_scalar *s, pt2c_dtype dt,
                           pt2c_elem_value *out) {
    memset(out, 0, sizeof *out);
    if (s->dtype == PT2C_DTYPE_F64) {
        double f = pt2c_op_scalar_f64(ctx, s);
        if (dt == PT2C_DTYPE_BOOL)
            out->bytes[0] = f != 0.0;
        else
            pt2c_store_f64(out->bytes, dt, 0, f);
        return;
    }
    int64_t i = pt2c_op_scalar_i64(ctx, s);
    switch (dt) {
    case PT2C_DTYPE_F32: {
        float f = (float)i;
        memcpy(out->bytes, &f, sizeof f);
        return;
    }
    case PT2C_DTYPE_F64: {
        double f = (double)i;
        memcpy(out->bytes, &f, sizeof f);
        return;
    }
    default:
        pt2c_store_i64(out->bytes, dt, 0, i);
        return;
    }
}

void pt2c_fill_bytes(void *dst, size_t elem, const pt2c_elem_value *v, int64_t begin, int64_t end) {
    uint8_t *o = (uint8_t *)dst + (size_t)begin * elem;
    int64_t n = end - begin;
    switch (elem) {
    case 1:
        memset(o, v->bytes[0], (size_t)(n > 0 ? n : 0));
        return;
    case 2:
        for (int64_t k = 0; k < n; k++)
            memcpy(o + k * 2, v->bytes, 2);
        return;
    case 4:
        for (int64_t k = 0; k < n; k++)
            memcpy(o + k * 4, v->bytes, 4);
        return;
    case 8:
        for (int64_t k = 0; k < n; k++)
            memcpy(o + k * 8, v->bytes, 8);
        return;
    default:
        for (int64_t k = 0; k < n; k++)
            memcpy(o + (size_t)k * elem, v->bytes, elem);
        return;
    }
}

pt2c_dtype pt2c_scalar_default_dtype(const pt2c_scalar *s) {
    if (s->dtype == PT2C_DTYPE_BOOL)
        return PT2C_DTYPE_BOOL;
    if (s->dtype == PT2C_DTYPE_I64)
        return PT2C_DTYPE_I64;
    return PT2C_DTYPE_F32;
}
