/* plane.c - padded, phase-split planes (plane.h). */
#include "ops/plane.h"

#include <stdbool.h>
#include <string.h>

/* Stride 2: each padded row built once in a stack buffer, then split into its two phases
 * in one pass the compiler vectorizes (stride-2 reads of the input per phase do not). */
static bool pad_plane_stride2(const float *x, int64_t H, int64_t W, int64_t pad_top,
                              int64_t pad_left, pt2c_plane_layout l, float fill, float *dst) {
    enum { ROW = 4096 };
    float t[ROW];
    int64_t n = 2 * l.Wph; /* padded columns held by the two phase rows */
    if (n > ROW)
        return false;
    for (int64_t y = 0; y < l.Hp; y++) {
        float *even = dst + y * l.Wph, *odd = dst + (l.Hp + y) * l.Wph;
        int64_t iy = y - pad_top;
        if (iy < 0 || iy >= H) {
            for (int64_t j = 0; j < l.Wph; j++)
                even[j] = odd[j] = fill;
            continue;
        }
        const float *src = x + iy * W;
        int64_t lo = pad_left < n ? pad_left : n; /* padded column of input column 0 */
        int64_t hi = pad_left + W < n ? pad_left + W : n;
        hi = hi > lo ? hi : lo;
        for (int64_t j = 0; j < lo; j++)
            t[j] = fill;
        if (hi > lo)
            memcpy(t + lo, src + (lo - pad_left), sizeof(float) * (size_t)(hi - lo));
        for (int64_t j = hi; j < n; j++)
            t[j] = fill;
        for (int64_t j = 0; j < l.Wph; j++) {
            even[j] = t[2 * j];
            odd[j] = t[2 * j + 1];
        }
    }
    return true;
}

void pt2c_pad_plane(const float *x, int64_t H, int64_t W, int64_t pad_top, int64_t pad_left,
                    int64_t sx, pt2c_plane_layout l, float fill, float *dst) {
    if (sx == 2 && pad_left >= 0 && pad_plane_stride2(x, H, W, pad_top, pad_left, l, fill, dst))
        return;
    for (int64_t ph = 0; ph < sx; ph++)
        for (int64_t y = 0; y < l.Hp; y++) {
            float *row = dst + (ph * l.Hp + y) * l.Wph;
            int64_t iy = y - pad_top;
            if (iy < 0 || iy >= H) {
                for (int64_t j = 0; j < l.Wph; j++)
                    row[j] = fill;
                continue;
            }
            const float *src = x + iy * W;
            /* Column j holds padded x = j * sx + ph, input column x - pad_left. */
            int64_t first = ph - pad_left;
            int64_t lo = first >= 0 ? 0 : (-first + sx - 1) / sx;
            int64_t hi = W - first <= 0 ? 0 : (W - first + sx - 1) / sx;
            lo = lo < l.Wph ? lo : l.Wph;
            hi = hi < l.Wph ? hi : l.Wph;
            hi = hi > lo ? hi : lo;
            for (int64_t j = 0; j < lo; j++)
                row[j] = fill;
            if (sx == 1)
                memcpy(row + lo, src + first + lo, sizeof(float) * (size_t)(hi - lo));
            else
                for (int64_t j = lo; j < hi; j++)
                    row[j] = src[first + j * sx];
            for (int64_t j = hi; j < l.Wph; j++)
                row[j] = fill;
        }
}
