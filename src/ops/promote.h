/* promote.h - type promotion shared by every op that combines inputs of several dtypes.
 *
 *     pt2c_result_type rt;
 *     pt2c_result_type_init(&rt);
 *     pt2c_result_type_add(&rt, a->dtype, a->rank, a_is_wrapped);
 *     pt2c_result_type_add(&rt, b->dtype, b->rank, b_is_wrapped);
 *     pt2c_dtype common = pt2c_result_type_get(&rt);   // int32 tensor + 5 -> int32
 */
#ifndef PT2C_PROMOTE_H
#define PT2C_PROMOTE_H

#include "pt2c.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct pt2c_result_type {
    pt2c_dtype dim;     /* promoted over tensors with rank >= 1 */
    pt2c_dtype zero;    /* over 0-dim tensors */
    pt2c_dtype wrapped; /* over Python numbers in tensor slots */
} pt2c_result_type;

pt2c_dtype pt2c_promote_types(pt2c_dtype a, pt2c_dtype b);
void pt2c_result_type_init(pt2c_result_type *rt);
void pt2c_result_type_add(pt2c_result_type *rt, pt2c_dtype dtype, int32_t rank, bool wrapped);
pt2c_dtype pt2c_result_type_get(const pt2c_result_type *rt);
bool pt2c_dtype_is_float(pt2c_dtype t);
bool pt2c_dtype_is_integral(pt2c_dtype t, bool include_bool);

#endif /* PT2C_PROMOTE_H */
