/*
 * plane.h - one image plane, zero or -inf padded and split by column phase, so that a
 * strided window's every tap is one contiguous vector load (cpu.h pt2c_dw_plane): depthwise
 * convolution and max pooling.
 *
 *     padded (y, x) = x[y - pad_top][x - pad_left] inside the image, else fill
 *     stored at dst[((x % sx) * Hp + y) * Wph + x / sx]
 *
 * Hp rows cover every tap of OH output rows; each phase row has Wph floats, a vector of
 * slack past the last tap included (always written, so reads there are defined).
 */
#ifndef PT2C_OPS_PLANE_H
#define PT2C_OPS_PLANE_H

#include <stdint.h>

typedef struct pt2c_plane_layout {
    int64_t Hp, Wph; /* padded rows, floats per phase row */
} pt2c_plane_layout;

/* The layout for OH x OW outputs of a KH x KW window, stride (sy, sx), dilation (dy, dx). */
static inline pt2c_plane_layout pt2c_plane_layout_for(int64_t OH, int64_t OW, int64_t KH,
                                                      int64_t KW, int64_t sy, int64_t sx,
                                                      int64_t dy, int64_t dx) {
    pt2c_plane_layout l;
    l.Hp = OH > 0 ? (OH - 1) * sy + (KH - 1) * dy + 1 : 0;
    int64_t wneed = OW > 0 ? (OW - 1) * sx + (KW - 1) * dx + 1 : 0;
    l.Wph = (wneed + sx - 1) / sx + 16; /* a vector of slack (16 floats: AVX-512) */
    return l;
}

/* Fill dst (sx * Hp * Wph floats) from the H x W plane x. */
void pt2c_pad_plane(const float *x, int64_t H, int64_t W, int64_t pad_top, int64_t pad_left,
                    int64_t sx, pt2c_plane_layout l, float fill, float *dst);

#endif /* PT2C_OPS_PLANE_H */
