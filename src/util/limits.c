/* limits.c - default limits against hostile files (see pt2c.h). */
#include "util/util.h"

pt2c_limits pt2c_limits_resolve(const pt2c_limits *requested) {
    pt2c_limits l = {0};
    if (requested)
        l = *requested;
    if (!l.max_inflated_bytes)
        l.max_inflated_bytes = 16ull << 30;
    if (!l.max_entries)
        l.max_entries = 1000000;
    if (!l.max_json_depth)
        l.max_json_depth = 256;
    if (!l.max_pickle_depth)
        l.max_pickle_depth = 256;
    if (!l.max_rank)
        l.max_rank = 64;
    if (!l.max_nodes)
        l.max_nodes = 10000000;
    if (!l.max_tensor_bytes)
        l.max_tensor_bytes = 1ull << 40;
    return l;
}
